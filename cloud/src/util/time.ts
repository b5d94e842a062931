/** Timestamps are stored as ISO-8601 UTC with milliseconds, which sort correctly as text. */
export const iso = (ms: number): string => new Date(ms).toISOString();
