/**
 * Random sources for the emulators' faults. Scenarios pass a seeded one so a run that found a bug
 * replays the same misreads and corrupt frames.
 */

/** Returns a float in [0, 1), like Math.random. */
export type Random = () => number;

/**
 * mulberry32: a tiny 32-bit-state PRNG, plenty for fault injection (not for anything secret).
 * The same seed gives the same sequence on every platform.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True with probability `rate`; draws from `random` only when the outcome is not already certain. */
export function chance(random: Random, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return random() < rate;
}

/** An integer in [0, n). */
export function pick(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
