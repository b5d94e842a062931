/** The cloud's HTTP API as the console uses it: errors come back as ConsoleError with the API's message. */
export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly code = 'error',
  ) {
    super(message);
  }
}

export class CloudApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ConsoleError(
        `cannot reach the cloud at ${this.baseUrl} (${(error as Error).message})`,
        'unreachable',
      );
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: reported below with the status
    }
    if (!response.ok) {
      const e = parsed as { error?: string; message?: string } | null;
      throw new ConsoleError(
        `${method} ${path}: ${response.status} ${e?.error ?? ''}${e?.message ? `: ${e.message}` : ''}`.trim(),
        e?.error ?? String(response.status),
      );
    }
    return parsed as T;
  }

  /** Every item of a paginated list. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: { items: T[]; nextCursor: string | null } = await this.call(
        'GET',
        `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}

export interface GateInfo {
  id: string;
  facilityId: string;
  facilityName: string;
  name: string;
  direction: 'entry' | 'exit';
  deactivatedAt: string | null;
}

/** Every active gate with its facility, read over HTTP (a viewer may). */
export async function listGates(api: CloudApi): Promise<GateInfo[]> {
  const facilities = await api.all<{ id: string; name: string }>('/api/facilities');
  const gates: GateInfo[] = [];
  for (const f of facilities) {
    const list = await api.all<Omit<GateInfo, 'facilityName'>>(`/api/facilities/${f.id}/gates`);
    for (const g of list) if (!g.deactivatedAt) gates.push({ ...g, facilityId: f.id, facilityName: f.name });
  }
  return gates;
}
