/**
 * A barrier (boom gate) controller driven through a relay on a Firmata output, with optional limit
 * switches on Firmata inputs.
 *
 * Relay semantics:
 * - 'hold' (default): the relay is held energised for as long as the arm should be up; open()
 *   energises it, close() releases it and the arm comes down. This suits controllers with a
 *   maintained "open" input, and fails safe: a reset board (outputs LOW) drops the arm.
 * - 'pulse': open() energises `relayPin` for `pulseMs` (a dry-contact "open" pulse) and the
 *   controller latches the arm up. close() pulses `closeRelayPin` (the "close" input) when one is
 *   wired; without it the controller closes by itself (auto-close, its own loop or photo-eye) and
 *   close() only starts expecting it. Both resolve when the pulse has ended.
 *
 * Position:
 * - with a closed-limit switch, 'closed' is only ever set from the switch: a jammed or blocked arm
 *   stays 'closing' (a warning is logged once it is overdue by closeTimeMs);
 * - without one, 'closed' is assumed closeTimeMs after the relay was released;
 * - likewise 'open' from an open-limit switch if wired, else assumed openTimeMs after open();
 * - a limit switch that changes without a command, or a lost board, makes it 'unknown'.
 */

import { createLogger, type Logger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import type { Barrier, BarrierPosition, Unsubscribe } from '../ports.js';
import type { DigitalPins, Timers } from './board.js';
import { type ContactOptions, watchContact } from './input.js';

export interface FirmataBarrierOptions {
  relayPin: number;
  /** Default true: a HIGH output energises the relay (false for active-low relay modules). */
  activeHigh?: boolean;
  /** Default 'hold'. */
  mode?: 'hold' | 'pulse';
  /** 'pulse' mode: how long a pulse lasts. Default 500 ms. */
  pulseMs?: number;
  /** 'pulse' mode: the relay wired to the controller's "close" input, if any (else it auto-closes). */
  closeRelayPin?: number;
  /** Reads active while the arm is fully down. activeHigh default true. */
  closedLimit?: ContactOptions;
  /** Reads active while the arm is fully up. activeHigh default true. */
  openLimit?: ContactOptions;
  /** Travel time up; 'open' is assumed after it when there is no open-limit switch. Default 3000 ms. */
  openTimeMs?: number;
  /** Travel time down; 'closed' is assumed after it when there is no closed-limit switch. Default 3000 ms. */
  closeTimeMs?: number;
  timers?: Timers;
  log?: Logger;
}

/** The board, as the barrier uses it: digital pins and, when it has them, link-loss news. */
export type BarrierPins = DigitalPins & {
  readonly connected?: boolean;
  onDisconnect?(listener: () => void): Unsubscribe;
};

type Wanted = 'open' | 'closed' | null;

export class FirmataBarrier implements Barrier {
  readonly hasLimitSwitch: boolean;
  private current: BarrierPosition = 'unknown';
  private wanted: Wanted = null;
  private closedActive: boolean | undefined;
  private openActive: boolean | undefined;
  private travelTimer: unknown = null;
  private pulse: { pin: number; timer: unknown; done: () => void } | null = null;
  private readonly listeners = new Set<(position: BarrierPosition) => void>();
  private readonly subscriptions: Unsubscribe[] = [];
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly on: boolean;
  private readonly mode: 'hold' | 'pulse';
  private readonly pulseMs: number;
  private readonly openTimeMs: number;
  private readonly closeTimeMs: number;

  constructor(
    private readonly pins: BarrierPins,
    private readonly options: FirmataBarrierOptions,
  ) {
    this.timers = options.timers ?? systemClock;
    this.log = options.log ?? createLogger('barrier');
    this.on = options.activeHigh ?? true;
    this.mode = options.mode ?? 'hold';
    this.pulseMs = options.pulseMs ?? 500;
    this.openTimeMs = options.openTimeMs ?? 3000;
    this.closeTimeMs = options.closeTimeMs ?? 3000;
    this.hasLimitSwitch = options.closedLimit !== undefined;

    for (const pin of [options.relayPin, options.closeRelayPin]) {
      if (pin === undefined) continue;
      pins.setOutput(pin);
      pins.write(pin, !this.on);
    }
    if (this.mode === 'hold') {
      // The relay is released: the arm is down or on its way down.
      this.wanted = 'closed';
      if (!options.closedLimit) this.startTravel('closing', 'closed');
    }
    if (options.closedLimit) {
      this.subscriptions.push(
        watchContact(pins, options.closedLimit, this.timers, (a, first) => this.closedLimit(a, first)),
      );
    }
    if (options.openLimit) {
      this.subscriptions.push(
        watchContact(pins, options.openLimit, this.timers, (a, first) => this.openLimit(a, first)),
      );
    }
    if (pins.onDisconnect) this.subscriptions.push(pins.onDisconnect(() => this.lost()));
  }

  get position(): BarrierPosition {
    return this.current;
  }

  onPosition(listener: (position: BarrierPosition) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async open(): Promise<void> {
    this.checkConnected();
    this.wanted = 'open';
    this.cancelTravel();
    // Position first: the limit switch may report the arm leaving before write() even returns
    // (an in-memory link delivers synchronously), and that must read as the opening we asked for.
    if (this.current !== 'open') {
      if (this.options.openLimit && this.openActive) this.set('open');
      else this.startTravel('opening', 'open');
    }
    // A position listener may have commanded otherwise meanwhile; the latest command wins.
    if (this.wanted === 'open') await this.drive('open');
  }

  async close(): Promise<void> {
    this.checkConnected();
    this.wanted = 'closed';
    this.cancelTravel();
    if (this.current !== 'closed') {
      if (this.options.closedLimit && this.closedActive) this.set('closed');
      else this.startTravel('closing', 'closed');
    }
    if (this.wanted === 'closed') await this.drive('closed');
  }

  /** Stops listening and cancels timers (an unfinished pulse is ended). The relay is left as it is. */
  dispose(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    this.cancelTravel();
    this.endPulse();
    this.listeners.clear();
  }

  private drive(towards: 'open' | 'closed'): Promise<void> {
    if (this.mode === 'hold') {
      this.pins.write(this.options.relayPin, towards === 'open' ? this.on : !this.on);
      return Promise.resolve();
    }
    this.endPulse();
    const pin = towards === 'open' ? this.options.relayPin : this.options.closeRelayPin;
    if (pin === undefined) return Promise.resolve();
    this.pins.write(pin, this.on);
    return new Promise<void>((resolve) => {
      const timer = this.timers.setTimeout(() => this.endPulse(), this.pulseMs);
      this.pulse = { pin, timer, done: resolve };
    });
  }

  private endPulse(): void {
    const pulse = this.pulse;
    if (!pulse) return;
    this.pulse = null;
    this.timers.clearTimeout(pulse.timer);
    if (this.pins.connected !== false) this.pins.write(pulse.pin, !this.on);
    pulse.done();
  }

  /**
   * Moving towards `target`: with that limit's switch wired, only the switch will say we got there
   * (the timer just warns when it is overdue); without it, arrival is assumed after the travel time.
   */
  private startTravel(moving: 'opening' | 'closing', target: 'open' | 'closed'): void {
    this.set(moving);
    const confirmed = target === 'closed' ? this.options.closedLimit : this.options.openLimit;
    const travelMs = target === 'closed' ? this.closeTimeMs : this.openTimeMs;
    this.travelTimer = this.timers.setTimeout(
      () => {
        this.travelTimer = null;
        if (!confirmed) this.set(target);
        else
          this.log.warn(`barrier arm not ${target} ${2 * travelMs} ms after the command: blocked or jammed?`);
      },
      confirmed ? 2 * travelMs : travelMs,
    );
  }

  /**
   * The limit switches are facts: reaching one is an arrival whatever was commanded (a pulse-mode
   * controller closes by itself), and leaving one unasked makes the position unknown (open() and
   * close() set 'opening'/'closing' before the arm can leave). The one exception is the first report
   * after start-up: "at the closed limit" then is a state, not an arrival, if open() came first.
   */
  private closedLimit(active: boolean, first: boolean): void {
    this.closedActive = active;
    if (active) {
      if (!first || this.wanted !== 'open') this.arrive('closed');
    } else if (this.current === 'closed') {
      this.log.warn('barrier arm left its closed limit without an open command');
      this.set('unknown');
    } else if (this.current === 'unknown' && this.wanted === 'closed') {
      this.startTravel('closing', 'closed');
    }
  }

  private openLimit(active: boolean, first: boolean): void {
    this.openActive = active;
    if (active) {
      if (!first || this.wanted !== 'closed') this.arrive('open');
    } else if (this.current === 'open') {
      this.log.warn('barrier arm left its open limit without a close command');
      this.set('unknown');
    }
  }

  private arrive(position: 'open' | 'closed'): void {
    this.cancelTravel();
    this.set(position);
  }

  private lost(): void {
    this.cancelTravel();
    this.endPulse();
    this.set('unknown');
  }

  private checkConnected(): void {
    if (this.pins.connected === false)
      throw new Error('Firmata board is disconnected: cannot drive the barrier relay');
  }

  private cancelTravel(): void {
    if (this.travelTimer !== null) this.timers.clearTimeout(this.travelTimer);
    this.travelTimer = null;
  }

  private set(position: BarrierPosition): void {
    if (position === this.current) return;
    this.current = position;
    this.log.debug(() => `barrier ${position}`);
    for (const listener of [...this.listeners]) listener(position);
  }
}
