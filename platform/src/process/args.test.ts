import { describe, expect, it } from 'vitest';
import { argValue } from './args.js';

describe('argValue', () => {
  it('reads --name value and --name=value, and nothing else', () => {
    expect(argValue(['migrate', '--config', 'a.json'], '--config')).toBe('a.json');
    expect(argValue(['--config=b.json', 'migrate'], '--config')).toBe('b.json');
    expect(argValue(['--configure', 'x', '--config-file=y'], '--config')).toBeUndefined();
    expect(argValue(['--config'], '--config')).toBeUndefined();
  });
});
