/** A small typed client of the HTTP API, for tests and scenarios. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly operatorToken: string,
  ) {}

  async call<T = any>(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; rawBody?: string } = {},
  ): Promise<ApiResponse<T>> {
    const token = options.token === undefined ? this.operatorToken : options.token;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Facility + spaces + an entry and an exit gate, as an operator would set one up. */
  async seedFacility(spaces: string[]) {
    const facility = await this.expect(201, 'POST', '/api/facilities', { name: 'Central Garage' });
    const created = [];
    for (const label of spaces) {
      created.push(
        await this.expect(201, 'POST', `/api/facilities/${facility.id}/spaces`, { label, floor: 1 }),
      );
    }
    const entry = await this.expect(201, 'POST', `/api/facilities/${facility.id}/gates`, {
      name: 'North entry',
      direction: 'entry',
    });
    const exit = await this.expect(201, 'POST', `/api/facilities/${facility.id}/gates`, {
      name: 'North exit',
      direction: 'exit',
    });
    return { facility, spaces: created, entry, exit };
  }

  async member(name: string, plates: string[], rfidTags: string[] = []) {
    return this.expect(201, 'POST', '/api/members', { name, plates, rfidTags });
  }

  /** Reserves a space as the member holding `token`; expects 201 and returns the reservation. */
  async reserve(token: string, spaceId: string, plate: string) {
    return this.expect(201, 'POST', '/api/reservations', { spaceId, plate }, token);
  }

  async expect<T = any>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<T> {
    const res = await this.call<T>(method, path, { body, ...(token === undefined ? {} : { token }) });
    if (res.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }
}
