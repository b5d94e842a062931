import { describe, expect, it, vi } from 'vitest';
import { quietLogger } from '../log/index.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { matchingFilter, sharedFilter } from './topic-filter.js';

describe('shared subscriptions', () => {
  it('match topics by the filter after the group', () => {
    expect(matchingFilter('$share/cloud/parking/gates/+/auth/request')).toBe('parking/gates/+/auth/request');
    expect(matchingFilter('parking/#')).toBe('parking/#');
    // Not a shared subscription: no filter after the group.
    expect(matchingFilter('$share/cloud')).toBe('$share/cloud');
    expect(sharedFilter('cloud', 'a/+')).toBe('$share/cloud/a/+');
    expect(sharedFilter(null, 'a/+')).toBe('a/+');
  });

  it('deliver a message on the plain topic to the handler of a $share filter', () => {
    const registry = new SubscriptionRegistry(quietLogger());
    const handler = vi.fn();
    registry.add('$share/cloud/parking/gates/+/auth/request', handler, 1);
    registry.dispatch('parking/gates/g-1/auth/request', Buffer.from('{}'));
    registry.dispatch('parking/gates/g-1/events', Buffer.from('{}'));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0]).toBe('parking/gates/g-1/auth/request');
  });
});
