import { describe, expect, it } from 'vitest';
import { listenOnPort } from './ports.js';

const busy = (ports: number[]) => async (port: number) => {
  if (ports.includes(port))
    throw Object.assign(new Error(`listen EADDRINUSE ${port}`), { code: 'EADDRINUSE' });
  return port;
};

describe('listenOnPort', () => {
  it('uses a configured port as given, and fails if it is taken', async () => {
    await expect(listenOnPort({ configured: 1883, fallback: 1883 }, busy([1883]), () => {})).rejects.toThrow(
      'EADDRINUSE',
    );
    expect(await listenOnPort({ configured: 0, fallback: 1883 }, busy([1883]), () => {})).toBe(0);
  });

  it('steps aside from a taken default, saying so', async () => {
    const moves: string[] = [];
    const port = await listenOnPort({ configured: undefined, fallback: 1883 }, busy([1883, 1884]), (a, b) =>
      moves.push(`${a}->${b}`),
    );
    expect(port).toBe(1885);
    expect(moves).toEqual(['1883->1884', '1884->1885']);
  });

  it('gives up after its tries, and at once on other errors', async () => {
    await expect(
      listenOnPort({ configured: undefined, fallback: 10, tries: 3 }, busy([10, 11, 12, 13]), () => {}),
    ).rejects.toThrow('EADDRINUSE 12');
    const denied = async () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    await expect(listenOnPort({ configured: undefined, fallback: 80 }, denied, () => {})).rejects.toThrow(
      'EACCES',
    );
  });
});
