/** A start that cannot go on, said in one line naming the setting or resource (main.ts prints it). */
export class StartupError extends Error {
  override name = 'StartupError';
}
