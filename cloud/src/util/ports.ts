/**
 * Default ports step aside: when a port was not configured and its default is taken (a Mosquitto
 * already on 1883, another service on 8080), the next free one is used and the caller is told. A
 * port that was configured is used as given or fails: gates are pointed at it.
 */
export interface PortChoice {
  /** The configured port, or undefined for "the default, or the next free one". */
  configured: number | undefined;
  fallback: number;
  /** How many ports after the default to try. */
  tries?: number;
}

const inUse = (error: unknown) => (error as { code?: string }).code === 'EADDRINUSE';

export async function listenOnPort<T>(
  choice: PortChoice,
  start: (port: number) => Promise<T>,
  onStepAside: (taken: number, next: number) => void,
): Promise<T> {
  if (choice.configured !== undefined) return start(choice.configured);
  const tries = choice.tries ?? 10;
  for (let port = choice.fallback; ; port++) {
    try {
      return await start(port);
    } catch (error) {
      if (!inUse(error) || port >= choice.fallback + tries - 1) throw error;
      onStepAside(port, port + 1);
    }
  }
}
