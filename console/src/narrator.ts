/**
 * Turns what goes over `parking/#` into one readable line per thing that happened: domain events,
 * plates and tags read and what the cloud answered, gates going online or offline, barrier and
 * phase changes, alarms raised and cleared, outbox depth, commands and their outcomes. A retained
 * state is compared with the gate's last one, so a heartbeat that changes nothing says nothing.
 *
 * Pure: it holds only each gate's last state, so it is tested on payloads alone.
 */
import { gateStateSchema, parseGateTopic, TOPIC_ROOT } from '@parkinglot/shared';

export type LineKind =
  | 'event'
  | 'read'
  | 'decision'
  | 'availability'
  | 'barrier'
  | 'phase'
  | 'alarm'
  | 'outbox'
  | 'link'
  | 'command'
  | 'unreadable';

export interface Line {
  kind: LineKind;
  /** A domain event's type, the decision, the action…: what `--type` filters on beside the kind. */
  type: string;
  gateId: string | null;
  facilityId: string | null;
  text: string;
  /** Warnings and refusals, for colour. */
  level: 'info' | 'good' | 'warn';
  data: unknown;
}

interface GateState {
  barrier?: string;
  phase?: string;
  alarms?: string[];
  outboxDepth?: number;
  cloudLink?: string;
}

const MAX_TEXT = 160;

const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

function parse(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

const str = (v: unknown) =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** The few fields of a domain event's data worth a glance. */
function eventSummary(data: Record<string, unknown>): string {
  const keys = [
    'plate',
    'credential',
    'spaceLabel',
    'label',
    'name',
    'by',
    'action',
    'reason',
    'outcome',
    'gateId',
    'reservationId',
  ];
  const parts: string[] = [];
  for (const k of keys) {
    const v = data[k];
    if (v === undefined || v === null || v === '') continue;
    if (k === 'credential' && typeof v === 'object') {
      const c = v as { kind?: string; value?: string };
      parts.push(`${c.kind} ${c.value}`);
    } else parts.push(`${k}=${str(v)}`);
  }
  return parts.join(' ');
}

export class Narrator {
  private readonly states = new Map<string, GateState>();

  constructor(private readonly facilityOf: (gateId: string) => string | null = () => null) {}

  describe(topic: string, payload: Buffer): Line[] {
    if (topic.startsWith(`${TOPIC_ROOT}/events/`)) return this.domainEvent(payload);
    if (topic.startsWith(`${TOPIC_ROOT}/operators/`)) return this.operatorCommand(topic, payload);
    const gate = parseGateTopic(topic);
    if (!gate) return [];
    const { gateId, channel } = gate;
    const facilityId = this.facilityOf(gateId);
    const line = (kind: LineKind, type: string, text: string, level: Line['level'], data: unknown): Line => ({
      kind,
      type,
      gateId,
      facilityId,
      text: clip(text),
      level,
      data,
    });
    const body = parse(payload) as Record<string, unknown> | undefined;
    switch (channel) {
      case 'availability': {
        const said = payload.toString('utf8');
        if (said !== 'online' && said !== 'offline') return [];
        return [
          line('availability', said, `${gateId} is ${said}`, said === 'online' ? 'good' : 'warn', said),
        ];
      }
      case 'state': {
        // A gate's own topic is the gate's to lie on: what does not parse is said, never used.
        const state = gateStateSchema.safeParse(body);
        if (!state.success)
          return [line('unreadable', 'state', `${gateId} sent an unreadable state`, 'warn', null)];
        return this.stateChanges(gateId, state.data as GateState, line);
      }
      case 'auth/request': {
        const credential = body?.credential as { kind?: string; value?: string } | undefined;
        if (!credential) return [];
        return [
          line(
            'read',
            str(credential.kind),
            `${gateId} read ${str(credential.kind)} ${str(credential.value)}`,
            'info',
            body,
          ),
        ];
      }
      case 'auth/response': {
        if (!body) return [];
        const decision = str(body.decision);
        const where = body.spaceLabel ? ` → space ${str(body.spaceLabel)}` : '';
        return [
          line(
            'decision',
            decision,
            `${gateId} ${decision} (${str(body.reason)})${where}`,
            decision === 'allow' ? 'good' : 'warn',
            body,
          ),
        ];
      }
      case 'command': {
        if (!body) return [];
        const reason = body.reason ? ` (${str(body.reason)})` : '';
        return [
          line(
            'command',
            str(body.action),
            `${gateId} ← ${str(body.action)} by ${str(body.by)}${reason} [${str(body.commandId)}]`,
            'info',
            body,
          ),
        ];
      }
      case 'command/response': {
        if (!body) return [];
        const ok = body.ok === true;
        return [
          line(
            'command',
            ok ? 'ok' : 'refused',
            `${gateId} ${ok ? 'carried out' : `refused: ${str(body.error)}`} [${str(body.commandId)}]`,
            ok ? 'good' : 'warn',
            body,
          ),
        ];
      }
      default:
        return [];
    }
  }

  private domainEvent(payload: Buffer): Line[] {
    const event = parse(payload) as
      | {
          seq?: number;
          type?: string;
          facilityId?: string | null;
          aggregateId?: string;
          data?: Record<string, unknown>;
        }
      | undefined;
    if (!event?.type) {
      return [
        {
          kind: 'unreadable',
          type: 'unreadable',
          gateId: null,
          facilityId: null,
          text: 'an unreadable domain event',
          level: 'warn',
          data: null,
        },
      ];
    }
    const data = event.data ?? {};
    const gateId = typeof data.gateId === 'string' ? data.gateId : null;
    const warn = /Anomaly|Expired|Aborted|Disabled|Deactivated/.test(event.type);
    return [
      {
        kind: 'event',
        type: event.type,
        gateId,
        facilityId: event.facilityId ?? null,
        text: clip(`#${event.seq ?? '?'} ${event.type} ${eventSummary(data)}`.trim()),
        level: warn ? 'warn' : 'info',
        data: event,
      },
    ];
  }

  private operatorCommand(topic: string, payload: Buffer): Line[] {
    const body = parse(payload) as Record<string, unknown> | undefined;
    if (!body) return [];
    const rest = topic.slice(`${TOPIC_ROOT}/operators/`.length);
    const [name, ...leaf] = rest.split('/');
    const gateId = typeof body.gateId === 'string' ? body.gateId : null;
    const facilityId = gateId ? this.facilityOf(gateId) : null;
    if (leaf.join('/') === 'command') {
      return [
        {
          kind: 'command',
          type: str(body.action),
          gateId,
          facilityId,
          text: clip(
            `${name} asks ${gateId}: ${str(body.action)} (${str(body.reason)}) [${str(body.commandId)}]`,
          ),
          level: 'info',
          data: body,
        },
      ];
    }
    const ok = body.ok === true;
    const error = body.error ? `: ${str(body.error)}` : '';
    return [
      {
        kind: 'command',
        type: str(body.outcome),
        gateId,
        facilityId,
        text: clip(`${name}'s command ${str(body.commandId)}: ${str(body.outcome)}${error}`),
        level: ok ? 'good' : 'warn',
        data: body,
      },
    ];
  }

  private stateChanges(
    gateId: string,
    state: GateState,
    line: (kind: LineKind, type: string, text: string, level: Line['level'], data: unknown) => Line,
  ): Line[] {
    const before = this.states.get(gateId);
    this.states.set(gateId, state);
    if (!before) {
      const parts = [`barrier ${state.barrier ?? '?'}`, `phase ${state.phase ?? '?'}`];
      if (state.outboxDepth !== undefined) parts.push(`outbox ${state.outboxDepth}`);
      if (state.alarms?.length) parts.push(`alarms ${state.alarms.join(', ')}`);
      return [
        line(
          'phase',
          state.phase ?? 'state',
          `${gateId}: ${parts.join(', ')}`,
          state.alarms?.length ? 'warn' : 'info',
          state,
        ),
      ];
    }
    const out: Line[] = [];
    if (state.barrier !== before.barrier)
      out.push(
        line(
          'barrier',
          state.barrier ?? '?',
          `${gateId} barrier ${before.barrier ?? '?'} → ${state.barrier ?? '?'}`,
          'info',
          state,
        ),
      );
    if (state.phase !== before.phase)
      out.push(
        line(
          'phase',
          state.phase ?? '?',
          `${gateId} phase ${before.phase ?? '?'} → ${state.phase ?? '?'}`,
          'info',
          state,
        ),
      );
    const was = new Set(before.alarms ?? []);
    const now = new Set(state.alarms ?? []);
    for (const a of now) if (!was.has(a)) out.push(line('alarm', a, `${gateId} ALARM ${a}`, 'warn', state));
    for (const a of was)
      if (!now.has(a)) out.push(line('alarm', a, `${gateId} alarm cleared: ${a}`, 'good', state));
    if (state.outboxDepth !== before.outboxDepth && state.outboxDepth !== undefined) {
      out.push(
        line(
          'outbox',
          String(state.outboxDepth),
          `${gateId} outbox ${before.outboxDepth ?? '?'} → ${state.outboxDepth}`,
          state.outboxDepth > 0 ? 'warn' : 'good',
          state,
        ),
      );
    }
    if (state.cloudLink !== before.cloudLink && state.cloudLink !== undefined) {
      out.push(
        line(
          'link',
          state.cloudLink,
          `${gateId} cloud link ${state.cloudLink}`,
          state.cloudLink === 'up' ? 'good' : 'warn',
          state,
        ),
      );
    }
    return out;
  }
}

export interface LineFilter {
  facility?: string;
  gate?: string;
  /** Kinds or types, any of which a line must match. */
  types?: string[];
}

export function matches(line: Line, filter: LineFilter): boolean {
  if (filter.gate && line.gateId !== filter.gate) return false;
  if (filter.facility && line.facilityId !== filter.facility) return false;
  if (filter.types?.length && !filter.types.some((t) => t === line.kind || t === line.type)) return false;
  return true;
}
