import { isValidFilter, topicMatches } from '@parkinglot/platform/mqtt';
import { topics } from '@parkinglot/shared';
import { describe, expect, it } from 'vitest';
import { canPublish, canSetWill, canSubscribe, clientIdFits, type Principal } from './acl.js';

const gateA: Principal = { role: 'gate', gateId: 'A' };
const service: Principal = { role: 'service' };
const operator: Principal = { role: 'operator', name: 'ana', level: 'operator' };
const viewer: Principal = { role: 'operator', name: 'vic', level: 'viewer' };

describe('gate', () => {
  it.each([
    topics.authRequest('A'),
    topics.events('A'),
    topics.availability('A'),
    topics.state('A'),
    topics.commandResponse('A'),
  ])('publishes on its own %s', (topic) => {
    expect(canPublish(gateA, topic)).toBe(true);
  });

  it.each([
    topics.authResponse('A'), // the cloud's answer, not the gate's to forge
    topics.eventsAck('A'),
    topics.command('A'),
    topics.authRequest('B'), // another gate
    topics.events('B'),
    topics.domainEvent('reservation.created'),
    'parking/gates/A/unknown',
    'parking/gates/A/events/extra',
    'elsewhere',
    '$SYS/broker/clients',
  ])('does not publish on %s', (topic) => {
    expect(canPublish(gateA, topic)).toBe(false);
  });

  it.each([topics.authResponse('A'), topics.eventsAck('A'), topics.command('A')])(
    'subscribes to %s',
    (filter) => {
      expect(canSubscribe(gateA, filter)).toBe(true);
    },
  );

  it.each([
    topics.authResponse('B'),
    topics.command('B'),
    topics.events('A'), // its own outbound channel
    'parking/gates/+/auth/response', // reaches every gate
    'parking/gates/A/#', // refused: exact topics only
    'parking/gates/A/+',
    'parking/gates/#',
    'parking/#',
    '#',
    '+/gates/A/auth/response',
    'parking/gates/A/auth/+',
  ])('does not subscribe to %s', (filter) => {
    expect(canSubscribe(gateA, filter)).toBe(false);
  });

  it('may leave a will only on its own gate channels', () => {
    expect(canSetWill(gateA, topics.availability('A'))).toBe(true);
    expect(canSetWill(gateA, topics.availability('B'))).toBe(false);
  });
});

describe('service', () => {
  it('publishes and subscribes anywhere', () => {
    for (const topic of [topics.authResponse('B'), topics.domainEvent('x'), 'anything/else']) {
      expect(canPublish(service, topic)).toBe(true);
    }
    for (const filter of ['#', 'parking/gates/+/auth/request', '$SYS/#']) {
      expect(canSubscribe(service, filter)).toBe(true);
    }
  });

  it("does not publish on the broker's $ topics or with wildcards", () => {
    expect(canPublish(service, '$SYS/x')).toBe(false);
    expect(canPublish(service, 'parking/gates/+/command')).toBe(false);
  });
});

describe('operator', () => {
  it.each(['parking/#', 'parking/gates/+/state', 'parking/events/#', topics.availability('B')])(
    'subscribes to %s',
    (filter) => {
      expect(canSubscribe(operator, filter)).toBe(true);
    },
  );

  it.each(['#', '+/gates/A/state', 'other/#', '$SYS/#', 'parking/#/x'])(
    'does not subscribe to %s',
    (filter) => {
      expect(canSubscribe(operator, filter)).toBe(false);
    },
  );

  it('publishes commands on its own command topic only, never to a gate directly', () => {
    expect(canPublish(operator, topics.operatorCommand('ana'))).toBe(true);
    expect(canPublish(operator, topics.operatorCommand('vic'))).toBe(false);
    expect(canPublish(operator, topics.operatorCommandResponse('ana'))).toBe(false);
    expect(canPublish(operator, topics.command('A'))).toBe(false);
    expect(canPublish(operator, 'parking/gates/+/command')).toBe(false);
    expect(canPublish(operator, topics.authResponse('A'))).toBe(false);
    expect(canPublish(operator, topics.commandResponse('A'))).toBe(false);
    expect(canPublish(operator, topics.domainEvent('x'))).toBe(false);
  });

  it("presses Home Assistant's entities only on its own account's topics, and reads the discovery", () => {
    expect(canPublish(operator, topics.homeAssistantCommand('ana', 'A', 'open'))).toBe(true);
    expect(canPublish(operator, topics.homeAssistantCommand('vic', 'A', 'open'))).toBe(false);
    expect(canPublish(viewer, topics.homeAssistantCommand('vic', 'A', 'open'))).toBe(false);
    expect(canPublish(operator, 'parking/operators/ana/ha/A')).toBe(false);
    expect(canSubscribe(viewer, 'homeassistant/#')).toBe(true);
    expect(canPublish(operator, 'homeassistant/cover/A/barrier/config')).toBe(false);
  });

  it('as a viewer, reads and publishes nothing', () => {
    expect(canSubscribe(viewer, 'parking/#')).toBe(true);
    expect(canPublish(viewer, topics.operatorCommand('vic'))).toBe(false);
    expect(canPublish(viewer, topics.command('A'))).toBe(false);
  });

  it("uses only its account's client ids", () => {
    expect(clientIdFits(operator, 'ana')).toBe(true);
    expect(clientIdFits(operator, 'ana-console-1')).toBe(true);
    expect(clientIdFits(operator, 'anastasia')).toBe(false);
    expect(clientIdFits(operator, 'vic-console')).toBe(false);
    expect(clientIdFits(operator, 'A')).toBe(false);
  });
});

describe('service', () => {
  it("is the only one that publishes a gate's commands", () => {
    expect(canPublish(service, topics.command('A'))).toBe(true);
    expect(canPublish(gateA, topics.command('A'))).toBe(false);
  });
});

describe('no principal', () => {
  it('gets nothing', () => {
    for (const p of [null, undefined]) {
      expect(canPublish(p, topics.authRequest('A'))).toBe(false);
      expect(canSubscribe(p, topics.authResponse('A'))).toBe(false);
    }
  });
});

describe('topic filters', () => {
  it('validates wildcard placement', () => {
    expect(['#', 'a/#', '+', 'a/+/b', '+/+'].every(isValidFilter)).toBe(true);
    expect(['', 'a/#/b', 'a#', 'a/b+', '#/a'].some(isValidFilter)).toBe(false);
  });

  it('matches as the spec says', () => {
    expect(topicMatches('a/#', 'a')).toBe(true); // '#' includes the parent level
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('a/+', 'a')).toBe(false);
    expect(topicMatches('a/b', 'a/b')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/x', '$SYS/x')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/x')).toBe(true);
  });
});
