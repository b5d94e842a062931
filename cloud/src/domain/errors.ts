/**
 * The one typed error of the domain. The HTTP layer maps it to `{error, message}` with its status in
 * one place (http/errors.ts); MQTT handlers turn it into a deny or a rejected event.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 503 | 504;

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: ErrorStatus,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) =>
  new DomainError(`${what}_not_found`, `${what.replace('_', ' ')} ${id} does not exist`, 404);

export const conflict = (code: string, message: string) => new DomainError(code, message, 409);

export const forbidden = (message: string) => new DomainError('forbidden', message, 403);

export const invalid = (code: string, message: string) => new DomainError(code, message, 400);
