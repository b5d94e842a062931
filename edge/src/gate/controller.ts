/**
 * The gate state machine, for entry and exit gates alike:
 *
 *   idle ─vehicle─▶ awaiting_credential ─read─▶ authorizing ─allow─▶ awaiting_passage ─passed─▶ closing ─closed─▶ idle
 *                        │   ▲                     │ deny (Denied)        │ timeout (EntryAborted)    ▲ vehicle under
 *                        │   └─────────────────────┘                      └──────────────────────────▶│ the arm: re-open
 *                        └─timeout (NoCredential)─▶ blocked ─vehicle left─▶ idle
 *
 * An exit gate skips `authorizing`: exits never wait on the cloud. Every wait has a timeout with a
 * defined outcome, every Started/Ended/Denied is committed to the outbox before the gate moves on,
 * and the arm is never lowered while the passage loop sees a vehicle under it.
 *
 * Inputs (loops, reads, timers, commands) are handled one at a time, in order; a timer carries the
 * epoch it was set in, so one that fires after the state moved on is ignored.
 */

import type { Credential } from '@parkinglot/shared';
import type { Unsubscribe } from '../drivers/ports.js';
import { type Early, EarlyDecision } from './early-decision.js';
import { entryAborted, passageEvent } from './events.js';
import { type Admission, COMMAND_EVENT, type GateSnapshot, type Input } from './inputs.js';
import type { GateControllerOptions } from './options.js';
import { ReadAhead, subscribeReads } from './reads.js';
import { DEFAULT_TIMING, type GateTiming } from './timing.js';
import type { EntryDecision, GateEventInput, GatePhase } from './types.js';

export type { GateSnapshot } from './inputs.js';
export type { GateControllerOptions } from './options.js';

/** Denials the edge gives itself when the cloud did not answer (cloud/authorizer.ts). */
const LOCAL_DENIALS = new Set([
  'cloud_timeout',
  'cloud_unreachable',
  'cloud_disconnected',
  'bad_response',
  'agent_stopping',
]);

export class GateController {
  private phase: GatePhase = 'idle';
  private epoch = 0;
  private timer: unknown = null;
  private attempts = 0;
  private admission: Admission | null = null;
  /** In `closing`, the arm is up for a vehicle under it, already reported as Tailgating. */
  private heldForVehicle = false;
  private lastRead: GateSnapshot['lastRead'] = null;
  /** A read that came before its car was on the arrival loop. */
  private readonly readAhead: ReadAhead;
  private readonly alarms = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private startupTimer: unknown = null;
  private readonly unsubscribers: Unsubscribe[] = [];
  private readonly listeners = new Set<(snapshot: GateSnapshot) => void>();
  private readonly timing: GateTiming;
  /** Entry gates with an arrival loop ask at the read, while the loop confirms the car. */
  private readonly early: EarlyDecision | null;

  constructor(private readonly o: GateControllerOptions) {
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.readAhead = new ReadAhead(o.clock, this.timing.readAheadMs);
    if (o.direction === 'entry' && !o.authorizer) throw new Error('an entry gate needs an authorizer');
    this.early =
      o.direction === 'entry' && o.authorizer && o.arrival && o.askAtRead !== false
        ? new EarlyDecision({
            authorizer: o.authorizer,
            clock: o.clock,
            windowMs: this.timing.readAheadMs,
            onLapsed: (early) => void this.push({ kind: 'early_lapsed', early }),
          })
        : null;
  }

  start(): void {
    const { arrival, passage, barrier } = this.o;
    // An arm left up by a previous run (pulse controllers latch) comes down once the loops have
    // reported, so a car under it keeps it up.
    this.startupTimer = this.o.clock.setTimeout(
      () => void this.push({ kind: 'startup' }),
      this.timing.startupSettleMs,
    );
    if (arrival)
      this.unsubscribers.push(arrival.onChange((present) => this.push({ kind: 'arrival', present })));
    if (passage)
      this.unsubscribers.push(passage.onChange((present) => this.push({ kind: 'passage', present })));
    this.unsubscribers.push(barrier.onPosition(() => this.push({ kind: 'barrier' })));
    this.unsubscribers.push(
      ...subscribeReads(this.o, (credential) => this.push({ kind: 'credential', credential })),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const off of this.unsubscribers.splice(0)) off();
    if (this.startupTimer !== null) this.o.clock.clearTimeout(this.startupTimer);
    this.clearTimer();
    // Taken before the queue drains, so that it cannot lapse into an input nobody runs.
    const early = this.early?.drop();
    await this.queue;
    this.clearTimer();
    if (early) await this.release(early, 'the agent stopped before the car arrived');
  }

  get state(): GatePhase {
    return this.phase;
  }

  snapshot(): GateSnapshot {
    const loops: Record<string, boolean> = {};
    if (this.o.arrival) loops.arrival = this.o.arrival.present;
    if (this.o.passage) loops.passage = this.o.passage.present;
    return {
      phase: this.phase,
      barrier: this.o.barrier.position,
      loops,
      lastRead: this.lastRead,
      alarms: [...this.alarms],
    };
  }

  onChange(listener: (snapshot: GateSnapshot) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An operator command; resolves with null once carried out, or with why it was not. */
  command(
    action: 'open' | 'hold_open' | 'release',
    by: string,
    commandId: string,
    reason = '',
  ): Promise<string | null> {
    let refusal: string | null = 'the gate stopped before carrying it out';
    const done = (r: string | null) => {
      refusal = r;
    };
    return this.push({ kind: 'command', action, by, commandId, reason, done }).then(() => refusal);
  }

  /** Resolves when every input so far has been handled (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  private push(input: Input): Promise<void> {
    const run = this.queue.then(() => this.handle(input));
    // One failing input must not wedge the queue; the failure is logged and the gate carries on.
    this.queue = run.catch((error) => this.o.log.error(`gate input ${input.kind} failed`, error));
    return run;
  }

  private emitChange(): void {
    const snapshot = this.snapshot();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.o.log.warn('gate state listener failed', error);
      }
    }
  }

  private enter(phase: GatePhase, timer?: { name: 'credential' | 'passage' | 'close'; ms: number }): void {
    this.clearTimer();
    this.epoch += 1;
    this.phase = phase;
    if (timer && !this.stopping) {
      const epoch = this.epoch;
      this.timer = this.o.clock.setTimeout(
        () => void this.push({ kind: 'timer', epoch, timer: timer.name }),
        timer.ms,
      );
    }
    this.o.log.debug(() => `gate -> ${phase}`);
    this.emitChange();
  }

  /**
   * Commits an event to the outbox. A failed write (disk full, a broken file) must not strand the
   * gate mid-cycle with the arm up: it is logged, raised as `outbox_write_failed` in the gate's state,
   * and the gate carries on to a safe position.
   */
  private async record(event: GateEventInput): Promise<void> {
    try {
      await this.o.recorder.record(event);
      if (this.alarms.delete('outbox_write_failed')) this.emitChange();
    } catch (error) {
      this.o.log.error(`could not commit ${event.type} to the outbox; it is lost`, error);
      this.alarms.add('outbox_write_failed');
      this.emitChange();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private vehicleWaiting(): boolean {
    return this.o.arrival?.present ?? false;
  }

  private vehicleUnder(): boolean {
    return this.o.passage?.present ?? false;
  }

  private async handle(input: Input): Promise<void> {
    if (input.kind === 'timer' && input.epoch !== this.epoch) return;
    if (input.kind === 'credential') {
      this.lastRead = { ...input.credential, at: new Date(this.o.clock.now()).toISOString() };
      this.emitChange();
      const busy =
        this.phase === 'awaiting_passage' || this.phase === 'closing' || this.phase === 'held_open';
      const current = this.admission?.credential;
      if (
        busy &&
        !(current && current.kind === input.credential.kind && current.value === input.credential.value)
      ) {
        // The next car, read while this one is still going through: kept for when it reaches the loop.
        this.readAhead.keep(input.credential);
      }
    }
    if (input.kind === 'command') return this.onCommand(input);
    if (input.kind === 'early_lapsed')
      return this.release(input.early, 'the car read did not reach the gate');
    if (input.kind === 'startup') {
      if (this.phase === 'idle' && this.o.barrier.position !== 'closed') return this.close();
      return;
    }
    switch (this.phase) {
      case 'idle':
        return this.onIdle(input);
      case 'awaiting_credential':
        return this.onAwaitingCredential(input);
      case 'authorizing':
        return; // the decision is awaited inline; inputs queue behind it
      case 'awaiting_passage':
        return this.onAwaitingPassage(input);
      case 'closing':
        return this.onClosing(input);
      case 'blocked':
        if (input.kind === 'arrival' && !input.present) this.enter('idle');
        // Without an arrival loop nothing says the vehicle left: the block lapses instead.
        if (input.kind === 'timer' && input.timer === 'credential') this.enter('idle');
        return;
      case 'held_open':
        if (input.kind === 'barrier') this.emitChange();
        return;
    }
  }

  private async onIdle(input: Input): Promise<void> {
    if (input.kind === 'arrival' && input.present) {
      return this.awaitCredential();
    } else if (input.kind === 'credential' && (!this.o.arrival || this.vehicleWaiting())) {
      // No arrival loop wired (or its edge was missed): the read itself says a vehicle is here.
      this.attempts = 0;
      await this.onCredential(input.credential);
    } else if (input.kind === 'credential') {
      this.readAhead.keep(input.credential);
      const replaced = this.early?.ask(input.credential);
      if (replaced) await this.release(replaced, 'another car was read');
    } else if (input.kind === 'barrier') {
      this.emitChange();
    }
  }

  private async onAwaitingCredential(input: Input): Promise<void> {
    if (input.kind === 'credential') return this.onCredential(input.credential);
    if (input.kind === 'arrival' && !input.present) return this.enter('idle');
    if (input.kind === 'timer' && input.timer === 'credential') {
      if (this.o.direction === 'exit' && this.o.exitOpensWithoutCredential !== false) {
        // Nobody is trapped inside: an unidentified car is let out and reported.
        return this.openFor({});
      }
      await this.record({ type: 'NoCredential', reason: 'no usable read before the timeout' });
      this.block();
    }
  }

  private block(): void {
    this.enter(
      'blocked',
      this.o.arrival ? undefined : { name: 'credential', ms: this.timing.credentialTimeoutMs },
    );
  }

  /** A vehicle is at the arrival loop: use a fresh read taken before it got there, or wait for one. */
  private async awaitCredential(): Promise<void> {
    this.attempts = 0;
    const read = this.readAhead.take();
    // The decision asked for at that read is used, and only for that read.
    const asked = read ? (this.early?.take(read) ?? null) : null;
    const stale = this.early?.drop();
    if (stale) await this.release(stale, 'another car reached the gate');
    if (read) return this.onCredential(read, asked?.decision);
    this.enter('awaiting_credential', { name: 'credential', ms: this.timing.credentialTimeoutMs });
  }

  /** Tells the cloud to let go of what an unused early decision may hold. */
  private async release(early: Early, why: string): Promise<void> {
    const decision = await early.decision;
    if (decision.allow) {
      await this.record(
        entryAborted(
          {
            credential: early.credential,
            reservationId: decision.reservationId,
            requestId: decision.requestId,
          },
          why,
        ),
      );
    } else if (decision.cloudMayHaveAllowed) {
      await this.record(entryAborted({ credential: early.credential, requestId: decision.requestId }, why));
    }
  }

  private async onCredential(credential: Credential, asked?: Promise<EntryDecision>): Promise<void> {
    if (this.o.direction === 'exit') return this.openFor({ credential });
    this.enter('authorizing');
    let decision = await (asked ?? this.o.authorizer!.authorize(credential));
    if (asked && !decision.allow && LOCAL_DENIALS.has(decision.reason)) {
      // Asked at the read, the cloud could not answer: it may now, and if it still cannot, the car
      // is at the barrier for the offline allowlist. What that first request may hold is let go.
      const first = decision;
      await this.release(
        { id: 0, credential, decision: Promise.resolve(first) },
        'asked again at the barrier',
      );
      decision = await this.o.authorizer!.authorize(credential);
    }
    if (decision.allow && this.stopping) {
      // Stopping: the barrier does not open now, so the cloud must not hold the reservation for it.
      await this.record(
        entryAborted(
          { credential, reservationId: decision.reservationId, requestId: decision.requestId },
          'the agent stopped before the barrier opened',
        ),
      );
      return;
    }
    if (decision.allow) {
      if (this.o.arrival && !this.vehicleWaiting()) {
        // The car left while the cloud decided: release the admission the cloud is holding for it.
        await this.record(
          entryAborted(
            { credential, reservationId: decision.reservationId, requestId: decision.requestId },
            'vehicle left before the barrier opened',
          ),
        );
        return this.enter('idle');
      }
      return this.openFor({
        credential,
        reservationId: decision.reservationId,
        requestId: decision.requestId,
        ...(decision.offline ? { offline: true } : {}),
      });
    }
    this.attempts += 1;
    await this.record({
      type: 'Denied',
      credential,
      requestId: decision.requestId,
      reason: decision.reason,
    });
    if (decision.cloudMayHaveAllowed) {
      // The cloud may have allowed after we gave up: release that admission, by its requestId.
      await this.record(entryAborted({ credential, requestId: decision.requestId }, decision.reason));
    }
    if (this.attempts >= this.timing.maxAttempts) return this.block();
    if (this.o.arrival && !this.vehicleWaiting()) return this.enter('idle');
    this.enter('awaiting_credential', { name: 'credential', ms: this.timing.credentialTimeoutMs });
  }

  private async openFor(admission: Omit<Admission, 'under'>): Promise<void> {
    if (this.stopping) return;
    this.admission = { ...admission, under: this.vehicleUnder() };
    const wait =
      this.o.passage || this.o.arrival ? this.timing.passageTimeoutMs : this.timing.assumedPassageMs;
    this.enter('awaiting_passage', { name: 'passage', ms: wait });
    await this.o.barrier.open();
  }

  private async onAwaitingPassage(input: Input): Promise<void> {
    const admission = this.admission!;
    if (input.kind === 'passage') {
      if (input.present) admission.under = true;
      else if (admission.under) return this.passed();
      return;
    }
    if (input.kind === 'arrival' && !input.present && !this.o.passage) {
      // Without a passage loop, leaving the arrival loop with the arm up is the passage.
      return this.passed();
    }
    if (input.kind === 'timer' && input.timer === 'passage') {
      if (this.vehicleUnder()) {
        // Never lower the arm onto a car: keep waiting for the loop to clear.
        this.enter('awaiting_passage', { name: 'passage', ms: this.timing.passageTimeoutMs });
        return;
      }
      if (!this.o.passage && !this.o.arrival) return this.passed();
      if (admission.reservationId) await this.record(entryAborted(admission, 'nobody drove through'));
      return this.close();
    }
    if (input.kind === 'barrier') this.emitChange();
  }

  private async passed(): Promise<void> {
    await this.record(passageEvent(this.o.direction, this.admission!));
    return this.close();
  }

  private async close(): Promise<void> {
    this.admission = null;
    this.enter('closing', { name: 'close', ms: this.timing.closeTimeoutMs });
    if (this.vehicleUnder()) {
      // Something is under the arm (a tailgater): keep it up until the loop clears. The loop's own
      // input may still be queued behind this (a slow commit): it is the same vehicle.
      this.heldForVehicle = true;
      await this.record({ type: 'Tailgating', reason: 'a second vehicle under the barrier' });
      return;
    }
    this.heldForVehicle = false;
    await this.o.barrier.close();
  }

  private async onClosing(input: Input): Promise<void> {
    if (input.kind === 'passage') {
      if (input.present) {
        // Already under the arm we kept up, and reported: nothing new.
        if (this.heldForVehicle) return;
        // Safety reversal: a vehicle entered the arm's path while it was coming down.
        this.heldForVehicle = true;
        await this.o.barrier.open();
        await this.record({ type: 'Tailgating', reason: 'a vehicle under the closing barrier' });
      } else {
        this.heldForVehicle = false;
        await this.o.barrier.close();
      }
      return;
    }
    if (input.kind === 'barrier' && this.o.barrier.position === 'closed') {
      this.alarms.delete('barrier_not_closed');
      if (this.vehicleWaiting()) return this.awaitCredential();
      return this.enter('idle');
    }
    if (input.kind === 'timer' && input.timer === 'close') {
      this.alarms.add('barrier_not_closed');
      this.o.log.warn('the barrier did not report closed in time');
      this.enter('closing', { name: 'close', ms: this.timing.closeTimeoutMs });
      if (!this.vehicleUnder()) await this.o.barrier.close();
      return;
    }
    if (input.kind === 'barrier') this.emitChange();
  }

  private async onCommand(c: Extract<Input, { kind: 'command' }>): Promise<void> {
    if (c.action === 'release' && this.phase !== 'held_open' && this.phase !== 'awaiting_passage') {
      c.done('the barrier is not being held open');
      return;
    }
    // The reason goes in detail: an operator's note may be longer than an event's reason field.
    await this.record({
      type: COMMAND_EVENT[c.action],
      detail: { commandId: c.commandId, by: c.by, reason: c.reason },
    });
    const inProgress = this.phase === 'awaiting_passage' ? this.admission : null;
    if (c.action === 'open' && inProgress) {
      // A car is already going through: keep its admission (its Started still follows).
      await this.o.barrier.open();
      return c.done(null);
    }
    if (inProgress?.reservationId) {
      // hold_open or release takes over from the car in progress: the cloud releases its admission.
      await this.record(entryAborted(inProgress, `operator ${c.action}`));
    }
    if (c.action === 'hold_open') {
      this.admission = null;
      this.enter('held_open');
      await this.o.barrier.open();
    } else if (c.action === 'release') {
      await this.close();
    } else {
      // open: one vehicle through, reported as a manual passage.
      this.attempts = 0;
      await this.openFor({ manual: { commandId: c.commandId, by: c.by } });
    }
    c.done(null);
  }
}
