/** In-memory drivers and collaborators for the gate logic's tests (no hardware, no broker). */

import { type Clock, systemClock } from '@parkinglot/platform/time';
import type { Credential } from '@parkinglot/shared';
import type {
  Barrier,
  BarrierPosition,
  LoopDetector,
  PlateRead,
  PlateReader,
  ReaderStats,
  RfidReader,
  TagRead,
  Unsubscribe,
} from '../drivers/ports.js';
import type { EntryAuthorizer, EntryDecision, EventRecorder, GateEventInput } from '../gate/types.js';

class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): Unsubscribe {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of this.set) listener(value);
  }
}

const noStats = (): ReaderStats => ({
  reads: 0,
  rejected: 0,
  lowConfidence: 0,
  duplicates: 0,
  disconnects: 0,
});

export class FakeLoop implements LoopDetector {
  present = false;
  private readonly listeners = new Listeners<boolean>();
  onChange(listener: (present: boolean) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
  set(present: boolean): void {
    if (present === this.present) return;
    this.present = present;
    this.listeners.emit(present);
  }
}

/** An arm that takes `travelMs` of the injected clock to move; `jam()` stops it short of closed. */
export class FakeBarrier implements Barrier {
  position: BarrierPosition = 'closed';
  readonly hasLimitSwitch = true;
  readonly commands: ('open' | 'close')[] = [];
  private jammed = false;
  private timer: unknown = null;
  private readonly listeners = new Listeners<BarrierPosition>();

  constructor(
    private readonly clock: Clock,
    private readonly travelMs = 1000,
  ) {}

  onPosition(listener: (position: BarrierPosition) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
  jam(jammed = true): void {
    this.jammed = jammed;
  }
  async open(): Promise<void> {
    this.commands.push('open');
    this.move('opening', 'open');
  }
  async close(): Promise<void> {
    this.commands.push('close');
    this.move('closing', this.jammed ? 'closing' : 'closed');
  }
  get opened(): number {
    return this.commands.filter((c) => c === 'open').length;
  }
  private move(moving: BarrierPosition, final: BarrierPosition): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.set(moving);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.set(final);
    }, this.travelMs);
  }
  private set(position: BarrierPosition): void {
    if (position === this.position) return;
    this.position = position;
    this.listeners.emit(position);
  }
}

export class FakePlateReader implements PlateReader {
  readonly stats = noStats();
  readonly connected = true;
  private readonly listeners = new Listeners<PlateRead>();
  onPlate(listener: (read: PlateRead) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
  read(plate: string, confidence = 0.95): void {
    this.listeners.emit({ plate, confidence, at: Date.now() });
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export class FakeRfidReader implements RfidReader {
  readonly stats = noStats();
  readonly connected = true;
  private readonly listeners = new Listeners<TagRead>();
  onTag(listener: (read: TagRead) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
  read(tag: string): void {
    this.listeners.emit({ tag, at: Date.now() });
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** Answers from a script: a function of the credential. */
export class ScriptedAuthorizer implements EntryAuthorizer {
  readonly asked: Credential[] = [];
  private n = 0;
  constructor(public decide: (credential: Credential) => 'allow' | string = () => 'allow') {}
  async authorize(credential: Credential, _options?: { early?: boolean }): Promise<EntryDecision> {
    this.asked.push(credential);
    const requestId = `req-${++this.n}`;
    const answer = this.decide(credential);
    return answer === 'allow'
      ? { allow: true, requestId, reservationId: `res-${credential.value}` }
      : { allow: false, requestId, reason: answer };
  }
}

export class MemoryRecorder implements EventRecorder {
  readonly events: GateEventInput[] = [];
  /** Event types whose commit fails (a full disk). */
  readonly failing = new Set<string>();
  /** How long each commit takes on `clock` (a disk busy writing back); none by default. */
  commitMs = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  async record(event: GateEventInput): Promise<void> {
    if (this.commitMs > 0)
      await new Promise((resolve) => this.clock.setTimeout(() => resolve(null), this.commitMs));
    if (this.failing.has(event.type)) throw new Error('SQLITE_FULL: database or disk is full');
    this.events.push(event);
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

/** An MQTT link in memory: records publishes, lets a test deliver messages to subscribers. */
export class FakeMqtt {
  isConnected = true;
  readonly published: { topic: string; payload: string; retain: boolean }[] = [];
  private readonly handlers = new Map<string, (topic: string, payload: Buffer) => void | Promise<void>>();

  async subscribe(
    topic: string,
    handler: (topic: string, payload: Buffer) => void | Promise<void>,
  ): Promise<void> {
    this.handlers.set(topic, handler);
  }
  async publish(
    topic: string,
    payload: string | Buffer,
    options: { qos: 0 | 1; retain?: boolean },
  ): Promise<void> {
    if (!this.publishNoWait(topic, payload, options)) throw new Error('not connected');
  }
  publishNoWait(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): boolean {
    if (!this.isConnected) return false;
    this.published.push({ topic, payload: payload.toString(), retain: options.retain ?? false });
    return true;
  }
  async deliver(topic: string, payload: unknown): Promise<void> {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.handlers.get(topic)?.(topic, Buffer.from(body));
  }
  lastOn(topic: string): any {
    const last = this.published.filter((p) => p.topic === topic).at(-1);
    return last ? JSON.parse(last.payload) : undefined;
  }
}

/** A clock that moves only when told: timers fire inside `advance`, never on their own. */
export class ManualClock implements Clock {
  private t = Date.UTC(2026, 10, 24, 8);
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn, every: ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.t = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.t = end;
  }
}
