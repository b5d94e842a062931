import { describe, expect, it } from 'vitest';
import { parseSimArgs } from './args.js';
import { formatTable } from './table.js';

describe('parseSimArgs', () => {
  it('reads the options, with defaults', () => {
    expect(parseSimArgs(['--gates', '2'])).toEqual({
      ok: true,
      args: { gates: 2, host: '127.0.0.1', pty: false, gpio: false, json: false },
    });
    expect(
      parseSimArgs(['--gates=3', '--host', '0.0.0.0', '--pty', '--gpio', '--json', '--base-port', '4000']),
    ).toEqual({
      ok: true,
      args: { gates: 3, host: '0.0.0.0', pty: true, gpio: true, json: true, basePort: 4000 },
    });
  });

  it('refuses what it cannot use, and knows help', () => {
    for (const argv of [
      [],
      ['--gates', '0'],
      ['--gates', 'x'],
      ['--gates', '1.5'],
      ['--gates', '2', 'extra'],
      ['--bogus'],
    ]) {
      expect(parseSimArgs(argv)).toMatchObject({ ok: false, help: false, error: expect.any(String) });
    }
    expect(parseSimArgs(['--gates', '2', '--base-port', '65534'])).toMatchObject({ ok: false });
    expect(parseSimArgs(['-h'])).toEqual({ ok: false, help: true });
  });
});

describe('formatTable', () => {
  it('aligns columns and stacks multi-line cells', () => {
    expect(
      formatTable(
        ['a', 'bb'],
        [
          ['1', 'x\nyyy'],
          ['22', 'z'],
        ],
      ),
    ).toBe(['a   bb', '1   x', '    yyy', '22  z'].join('\n'));
  });
});
