/**
 * A parking barrier wired to an emulated Firmata board, as the edge agent's FirmataBarrier expects:
 *
 * - Relay: an OUTPUT pin drives the controller's "open" contact. It is energised when the pin is
 *   HIGH (`relayActiveHigh`, default) or LOW (an active-low relay module).
 * - 'hold' mode (default; a controller in "maintained contact" mode): the arm follows the relay.
 *   While the relay is energised the arm rises and stays up; when it is released the arm comes down.
 * - 'pulse' mode (a controller taking dry-contact pulses): a rising edge on the relay raises the arm
 *   and it stays up, however long the pulse; a rising edge on `closeRelayPin` lowers it, and with
 *   `autoCloseMs` the controller lowers it by itself that long after it got fully up (a new open
 *   pulse restarts that wait). Pulse mode needs one or both.
 * - Travel takes `openTimeMs` up and `closeTimeMs` down; reversing mid-travel takes the remaining
 *   fraction. A jammed arm (`jam()`) stalls where it is: it is still 'opening'/'closing', never
 *   'closed', until it is freed.
 * - Limit switches: `closedLimitPin` reads active (HIGH by default) only while the arm is fully
 *   down, `openLimitPin` only while it is fully up.
 */
import { Listeners, type SimClock, systemClock, type Unsubscribe } from './clock.js';
import type { PinBank } from './device.js';
import { PinMode } from './protocol.js';

export type ArmPosition = 'closed' | 'opening' | 'open' | 'closing';

export interface BarrierModelOptions {
  relayPin: number;
  /** Default true: the relay is energised by a HIGH output. */
  relayActiveHigh?: boolean;
  /** Default 'hold'. */
  mode?: 'hold' | 'pulse';
  /** 'pulse' mode: the relay whose pulse lowers the arm (same polarity as the open relay). */
  closeRelayPin?: number;
  /** 'pulse' mode: the controller closes by itself this long after the arm got fully up. */
  autoCloseMs?: number;
  closedLimitPin?: number;
  /** Default true: the closed-limit pin reads HIGH when the arm is fully down. */
  closedLimitActiveHigh?: boolean;
  openLimitPin?: number;
  /** Default true: the open-limit pin reads HIGH when the arm is fully up. */
  openLimitActiveHigh?: boolean;
  /** Default 1500. */
  openTimeMs?: number;
  /** Default 1500. */
  closeTimeMs?: number;
  /** Default 'closed'. */
  initial?: 'closed' | 'open';
  clock?: SimClock;
}

type OptionalPins = 'closeRelayPin' | 'closedLimitPin' | 'openLimitPin' | 'autoCloseMs';

interface Motion {
  up: boolean;
  startedAt: number;
  from: number;
}

export class BarrierModel {
  private readonly options: Required<Omit<BarrierModelOptions, OptionalPins>> &
    Pick<BarrierModelOptions, OptionalPins>;
  private readonly clock: SimClock;
  private readonly listeners = new Listeners<ArmPosition>();
  private readonly unsubscribes: Unsubscribe[] = [];
  /** 0 = fully down, 1 = fully up, as of `motion.startedAt` while moving. */
  private travel: number;
  private wantUp: boolean;
  private motion: Motion | null = null;
  private timer: unknown = null;
  private autoCloseTimer: unknown = null;
  private jammed = false;
  private current: ArmPosition;
  private readonly energised = new Map<number, boolean>();

  constructor(
    private readonly device: PinBank,
    options: BarrierModelOptions,
  ) {
    this.options = {
      relayActiveHigh: true,
      mode: 'hold',
      closedLimitActiveHigh: true,
      openLimitActiveHigh: true,
      openTimeMs: 1500,
      closeTimeMs: 1500,
      initial: 'closed',
      clock: systemClock,
      ...options,
    };
    if (
      this.options.mode === 'pulse' &&
      options.closeRelayPin === undefined &&
      options.autoCloseMs === undefined
    ) {
      throw new Error("BarrierModel: 'pulse' mode needs closeRelayPin or autoCloseMs");
    }
    this.clock = this.options.clock;
    this.travel = this.options.initial === 'open' ? 1 : 0;
    this.wantUp = this.options.initial === 'open';
    this.current = this.options.initial;
    for (const pin of [options.relayPin, options.closeRelayPin]) {
      if (pin === undefined) continue;
      this.energised.set(pin, this.isEnergised(pin));
      this.unsubscribes.push(device.onOutput(pin, () => this.relayChanged(pin)));
    }
    // In 'hold' mode the arm follows the relay from the start, whatever position it starts in.
    if (this.options.mode === 'hold') this.wantUp = this.isEnergised(options.relayPin);
    this.moveTowardsTarget();
  }

  get position(): ArmPosition {
    return this.current;
  }

  /** How far up the arm is right now, 0–1. */
  get raised(): number {
    return this.liveTravel();
  }

  get isJammed(): boolean {
    return this.jammed;
  }

  onPosition(listener: (position: ArmPosition) => void): Unsubscribe {
    return this.listeners.add(listener);
  }

  /** Jams the arm where it is (a vehicle under it, a broken spring); `jam(false)` frees it. */
  jam(jammed = true): void {
    if (jammed === this.jammed) return;
    this.travel = this.liveTravel();
    this.stop();
    this.jammed = jammed;
    if (!jammed) this.moveTowardsTarget();
  }

  dispose(): void {
    this.stop();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.listeners.clear();
  }

  private isEnergised(pin: number): boolean {
    const driven = this.device.pinMode(pin) === PinMode.OUTPUT;
    return driven && this.device.digitalValue(pin) === this.options.relayActiveHigh;
  }

  private relayChanged(pin: number): void {
    const was = this.energised.get(pin) ?? false;
    const now = this.isEnergised(pin);
    this.energised.set(pin, now);
    if (was === now) return;
    if (this.options.mode === 'hold') {
      if (pin !== this.options.relayPin) return;
      this.wantUp = now;
    } else {
      // Dry-contact pulse: only the closing edge of the contact is a command.
      if (!now) return;
      this.wantUp = pin === this.options.relayPin;
    }
    this.retarget();
  }

  private retarget(): void {
    this.travel = this.liveTravel();
    this.stop();
    this.moveTowardsTarget();
  }

  private moveTowardsTarget(): void {
    const target = this.wantUp ? 1 : 0;
    const settled = this.travel === target;
    if (!settled && !this.jammed) {
      const full = this.wantUp ? this.options.openTimeMs : this.options.closeTimeMs;
      this.motion = { up: this.wantUp, startedAt: this.clock.now(), from: this.travel };
      this.timer = this.clock.setTimeout(
        () => {
          this.timer = null;
          this.motion = null;
          this.travel = target;
          this.moveTowardsTarget();
        },
        Math.abs(target - this.travel) * full,
      );
    }
    this.updateLimits();
    if (settled && this.wantUp) this.scheduleAutoClose();
    if (settled) this.setPosition(this.wantUp ? 'open' : 'closed');
    else this.setPosition(this.wantUp ? 'opening' : 'closing');
  }

  private scheduleAutoClose(): void {
    const { mode, autoCloseMs } = this.options;
    if (mode !== 'pulse' || autoCloseMs === undefined) return;
    this.autoCloseTimer = this.clock.setTimeout(() => {
      this.autoCloseTimer = null;
      this.wantUp = false;
      this.retarget();
    }, autoCloseMs);
  }

  private liveTravel(): number {
    const motion = this.motion;
    if (!motion) return this.travel;
    const full = motion.up ? this.options.openTimeMs : this.options.closeTimeMs;
    const moved = full > 0 ? (this.clock.now() - motion.startedAt) / full : 1;
    const travel = motion.up ? motion.from + moved : motion.from - moved;
    // Never report a limit from the clock alone: only the completion timer lands on 0 or 1.
    return Math.min(0.999, Math.max(0.001, travel));
  }

  private stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.autoCloseTimer !== null) this.clock.clearTimeout(this.autoCloseTimer);
    this.timer = null;
    this.autoCloseTimer = null;
    this.motion = null;
  }

  private setPosition(position: ArmPosition): void {
    if (position === this.current) return;
    this.current = position;
    this.listeners.emit(position);
  }

  private updateLimits(): void {
    const { closedLimitPin, openLimitPin, closedLimitActiveHigh, openLimitActiveHigh } = this.options;
    const down = this.travel === 0 && this.motion === null;
    const up = this.travel === 1 && this.motion === null;
    if (closedLimitPin !== undefined) this.device.setInput(closedLimitPin, down === closedLimitActiveHigh);
    if (openLimitPin !== undefined) this.device.setInput(openLimitPin, up === openLimitActiveHigh);
  }
}
