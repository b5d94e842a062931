/**
 * Who runs the work that must happen once per database: the schedule projector, the publisher and
 * the hold sweeper. On sqlite one process owns the file, so it always leads (SoleLease); on
 * PostgreSQL instances share an advisory lock (postgres/lease.ts).
 */
export interface Lease {
  readonly held: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class SoleLease implements Lease {
  held = false;

  constructor(private readonly onChange: (held: boolean) => void) {}

  async start(): Promise<void> {
    if (this.held) return;
    this.held = true;
    this.onChange(true);
  }

  async stop(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    this.onChange(false);
  }
}
