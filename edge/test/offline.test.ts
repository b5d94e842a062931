/**
 * A gate whose cloud never comes: exits go on, every Ended is kept, and past the outbox bound it
 * keeps them all and raises `outbox_full` in its state instead of dropping any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeConfigSchema } from '../src/config/schema.js';
import { type FakeGate, gateConfig, startFakeGate } from './support.js';

describe('edge agent without a cloud', () => {
  let gate: FakeGate;

  beforeAll(async () => {
    const base = gateConfig(
      { id: 'gate_lonely', mqtt: { username: 'gate_lonely', password: 'x' } },
      'exit',
      'mqtt://127.0.0.1:1',
    );
    gate = await startFakeGate(
      edgeConfigSchema.parse({ ...base, outbox: { ...base.outbox, maxEvents: 10 } }),
    );
  });
  afterAll(async () => gate?.agent.stop());

  it('lets every car out and keeps every Ended past the bound, with the alarm raised', async () => {
    for (let i = 0; i < 12; i++) expect(await gate.drive(`${10 + i}가${1000 + i}`)).toBe('passed');
    expect(gate.agent.mqtt.isConnected).toBe(false);
    expect(gate.agent.outbox.depth).toBe(12);
    const kept = await gate.agent.outbox.peek(100);
    expect(kept.map((e) => e.type)).toEqual(Array(12).fill('Ended'));
    const state = gate.agent.link.state();
    expect(state).toMatchObject({ cloudLink: 'down', outboxDepth: 12 });
    expect(state.alarms).toContain('outbox_full');
  });
});
