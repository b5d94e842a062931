import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { domainContext } from '../../test/support/domain.js';
import { registerFacility, registerGate } from '../domain/facilities.js';
import { GateDirectory } from './gate-directory.js';

describe('GateDirectory', () => {
  let env: Awaited<ReturnType<typeof domainContext>>;
  beforeEach(async () => {
    env = await domainContext();
  });
  afterEach(async () => env.close());

  /** Removes the row behind the directory's back: what it still answers, it answers from memory. */
  const forget = (id: string) => env.ctx.db.deleteFrom('gates').where('id', '=', id).execute();

  it('holds every gate registered before it loaded, and each one registered after, without asking again', async () => {
    const { ctx } = env;
    const facility = await registerFacility(ctx, { name: 'F' });
    const before = await registerGate(ctx, facility.id, { name: 'before', direction: 'entry' });
    const directory = new GateDirectory(ctx.db);
    await directory.load();
    const unfollow = directory.follow(ctx.bus);
    const after = await registerGate(ctx, facility.id, { name: 'after', direction: 'exit' });
    // The follow-up read is queued behind the registration's commit on the one connection.
    await ctx.db.selectFrom('gates').select('id').execute();
    await forget(before.id);
    await forget(after.id);
    expect((await directory.get(before.id))?.name).toBe('before');
    expect((await directory.get(after.id))?.direction).toBe('exit');
    unfollow();
  });

  it('finds a gate it has not heard of yet in the database, and does not keep a miss', async () => {
    const { ctx } = env;
    const facility = await registerFacility(ctx, { name: 'F' });
    const directory = new GateDirectory(ctx.db);
    await directory.load();
    expect(await directory.get('gate_unknown')).toBeUndefined();
    const late = await registerGate(ctx, facility.id, { name: 'late', direction: 'entry' });
    expect((await directory.get(late.id))?.name).toBe('late');
  });

  it('checks a gate login against the password issued at registration', async () => {
    const { ctx } = env;
    const facility = await registerFacility(ctx, { name: 'F' });
    const gate = await registerGate(ctx, facility.id, { name: 'in', direction: 'entry' });
    const directory = new GateDirectory(ctx.db);
    await directory.load();
    expect(await directory.verifyLogin(gate.id, gate.mqtt.password)).toBe(true);
    expect(await directory.verifyLogin(gate.id, `${gate.mqtt.password}x`)).toBe(false);
    expect(await directory.verifyLogin('gate_unknown', gate.mqtt.password)).toBe(false);
  });
});
