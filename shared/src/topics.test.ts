import { describe, expect, it } from 'vitest';
import { GATE_PUBLISHES, GATE_SUBSCRIBES, GateChannel, parseGateTopic, topics } from './topics.js';

describe('topics', () => {
  it('builds every per-gate topic of the contract', () => {
    expect(topics.authRequest('gate_a')).toBe('parking/gates/gate_a/auth/request');
    expect(topics.authResponse('gate_a')).toBe('parking/gates/gate_a/auth/response');
    expect(topics.events('gate_a')).toBe('parking/gates/gate_a/events');
    expect(topics.eventsAck('gate_a')).toBe('parking/gates/gate_a/events/ack');
    expect(topics.availability('gate_a')).toBe('parking/gates/gate_a/availability');
    expect(topics.state('gate_a')).toBe('parking/gates/gate_a/state');
    expect(topics.command('gate_a')).toBe('parking/gates/gate_a/command');
    expect(topics.commandResponse('gate_a')).toBe('parking/gates/gate_a/command/response');
    expect(topics.domainEvent('ParkingStarted')).toBe('parking/events/ParkingStarted');
  });

  it('refuses gate ids that would break out of the gate namespace', () => {
    for (const bad of ['', 'a/b', '+', '#', 'a b', 'x'.repeat(65)]) {
      expect(() => topics.authRequest(bad)).toThrow(/invalid gate id/);
    }
  });

  it('parses concrete per-gate topics and nothing else', () => {
    expect(parseGateTopic('parking/gates/g1/auth/request')).toEqual({
      gateId: 'g1',
      channel: GateChannel.authRequest,
    });
    expect(parseGateTopic('parking/gates/g1/command/response')).toEqual({
      gateId: 'g1',
      channel: 'command/response',
    });
    for (const bad of [
      'parking/gates/g1',
      'parking/gates//events',
      'parking/gates/g1/unknown',
      'parking/events/X',
      'other',
    ]) {
      expect(parseGateTopic(bad)).toBeNull();
    }
  });

  it('splits the channels between gate and cloud without overlap', () => {
    for (const channel of GATE_PUBLISHES) expect(GATE_SUBSCRIBES.has(channel)).toBe(false);
    expect(GATE_PUBLISHES.size + GATE_SUBSCRIBES.size).toBe(Object.values(GateChannel).length);
  });
});
