/**
 * How many generated cases each fuzz property runs: a bounded pass in `npm test` (CI), and as many as
 * `npm run fuzz -- --runs N` asks for (it sets PARKING_FUZZ_RUNS).
 */
export const FUZZ_RUNS = Number(process.env.PARKING_FUZZ_RUNS ?? 150);

/** A test's time limit for FUZZ_RUNS cases of real I/O: 20 ms a case, at least 60 s. */
export const fuzzTimeout = (perCaseMs = 20) => Math.max(60_000, FUZZ_RUNS * perCaseMs);
