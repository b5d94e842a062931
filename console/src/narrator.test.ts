import { describe, expect, it } from 'vitest';
import { complete, words } from './interactive.js';
import { matches, Narrator } from './narrator.js';

const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('the watch narrator', () => {
  it('says a domain event in one line, with what matters of its data', () => {
    const [line] = new Narrator().describe(
      'parking/events/SpaceReserved',
      b({
        seq: 7,
        type: 'SpaceReserved',
        facilityId: 'fac_1',
        data: { plate: '12가3456', reservationId: 'res_1' },
      }),
    );
    expect(line).toMatchObject({
      kind: 'event',
      type: 'SpaceReserved',
      facilityId: 'fac_1',
      text: '#7 SpaceReserved plate=12가3456 reservationId=res_1',
    });
  });

  it('compares a state with the gate’s last one: a heartbeat that changes nothing says nothing', () => {
    const n = new Narrator((g) => (g === 'gate_a' ? 'fac_1' : null));
    const state = {
      barrier: 'closed',
      phase: 'idle',
      loops: {},
      outboxDepth: 0,
      alarms: [],
      cloudLink: 'up',
    };
    expect(n.describe('parking/gates/gate_a/state', b(state)).map((l) => l.text)).toEqual([
      'gate_a: barrier closed, phase idle, outbox 0',
    ]);
    expect(n.describe('parking/gates/gate_a/state', b(state))).toEqual([]);
    const changed = n.describe(
      'parking/gates/gate_a/state',
      b({
        ...state,
        barrier: 'open',
        phase: 'awaiting_passage',
        outboxDepth: 3,
        alarms: ['reader_down'],
        cloudLink: 'down',
      }),
    );
    expect(changed.map((l) => [l.kind, l.text])).toEqual([
      ['barrier', 'gate_a barrier closed → open'],
      ['phase', 'gate_a phase idle → awaiting_passage'],
      ['alarm', 'gate_a ALARM reader_down'],
      ['outbox', 'gate_a outbox 0 → 3'],
      ['link', 'gate_a cloud link down'],
    ]);
    expect(changed.every((l) => l.facilityId === 'fac_1')).toBe(true);
    expect(
      n.describe('parking/gates/gate_a/state', b({ ...state, alarms: [] })).map((l) => l.text),
    ).toContain('gate_a alarm cleared: reader_down');
  });

  it('says reads, decisions, availability and commands', () => {
    const n = new Narrator();
    const said = (topic: string, v: unknown) => n.describe(topic, b(v)).map((l) => l.text);
    expect(
      said('parking/gates/g1/auth/request', {
        requestId: 'r',
        credential: { kind: 'plate', value: '12가3456' },
      }),
    ).toEqual(['g1 read plate 12가3456']);
    expect(
      said('parking/gates/g1/auth/response', {
        requestId: 'r',
        decision: 'allow',
        reason: 'reservation_active',
        spaceLabel: 'A-1',
      }),
    ).toEqual(['g1 allow (reservation_active) → space A-1']);
    expect(said('parking/gates/g1/availability', 'offline')).toEqual(['g1 is offline']);
    expect(
      said('parking/gates/g1/command', { commandId: 'c1', action: 'open', by: 'ana', reason: 'visitor' }),
    ).toEqual(['g1 ← open by ana (visitor) [c1]']);
    expect(
      said('parking/operators/ana/command/response', {
        commandId: 'c1',
        gateId: 'g1',
        outcome: 'offline',
        ok: false,
        error: 'gate g1 is offline',
      }),
    ).toEqual(["ana's command c1: offline: gate g1 is offline"]);
  });

  it('never throws on what it cannot read, and bounds what it prints', () => {
    const n = new Narrator();
    expect(n.describe('parking/gates/g1/state', b('{not json'))[0]?.kind).toBe('unreadable');
    expect(
      n.describe('parking/gates/g1/state', b({ barrier: 'closed', loops: {}, alarms: 5 }))[0]?.kind,
    ).toBe('unreadable');
    expect(n.describe('parking/gates/g1/availability', b('maybe'))).toEqual([]);
    expect(n.describe('parking/events/X', b('[]'))[0]?.kind).toBe('unreadable');
    expect(n.describe('other/topic', b({}))).toEqual([]);
    const [long] = n.describe('parking/events/X', b({ seq: 1, type: 'X', data: { name: 'n'.repeat(1000) } }));
    expect(long!.text.length).toBeLessThanOrEqual(160);
  });

  it('filters by gate, facility and kind or type', () => {
    const [line] = new Narrator(() => 'fac_1').describe('parking/gates/g1/availability', b('online'));
    expect(matches(line!, { gate: 'g1', facility: 'fac_1', types: ['availability'] })).toBe(true);
    expect(matches(line!, { types: ['online'] })).toBe(true);
    expect(matches(line!, { gate: 'g2' })).toBe(false);
    expect(matches(line!, { facility: 'fac_2' })).toBe(false);
    expect(matches(line!, { types: ['event'] })).toBe(false);
  });
});

describe('the interactive prompt', () => {
  const gates = [
    {
      id: 'gate_a1',
      name: 'North entry',
      facilityId: 'f',
      facilityName: 'F',
      direction: 'entry' as const,
      deactivatedAt: null,
    },
    {
      id: 'gate_b2',
      name: 'Exit',
      facilityId: 'f',
      facilityName: 'F',
      direction: 'exit' as const,
      deactivatedAt: null,
    },
  ];

  it('keeps quoted words together', () => {
    expect(words('open "North entry" delivery van')).toEqual(['open', 'North entry', 'delivery', 'van']);
  });

  it('completes commands, then gate ids and names', () => {
    expect(complete('ho', gates)[0]).toEqual(['hold-open']);
    expect(complete('open gate_a', gates)[0]).toEqual(['gate_a1']);
    expect(complete('open "No', gates)[0]).toEqual(['"North entry"']);
    expect(complete('accounts c', gates)[0]).toEqual(['create']);
  });
});
