/**
 * Waits until `condition` holds, asking again every `everyMs`. It sets no time limit of its own:
 * how long something may take is the benchmark's to measure, and the test's timeout ends a wait
 * that never ends, naming the test.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, everyMs = 50): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, everyMs));
}
