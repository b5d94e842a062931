/**
 * PostgreSQL's errors, classified by SQLSTATE (Appendix A of the PostgreSQL manual) and, for a
 * socket that went away, by Node's error code or pg's message.
 */
import type { DbErrorKind } from '../errors.js';

/** 40001 serialization_failure, 40P01 deadlock_detected: the transaction may simply run again. */
const RETRY = new Set(['40001', '40P01']);
/** 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now; class 08 is connection exceptions. */
const GONE = new Set(['57P01', '57P02', '57P03']);
const SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

export function classifyPostgresError(error: unknown): DbErrorKind | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '23505') return 'unique';
  // 22021 character_not_in_repertoire (a NUL in a text value), 22P05 untranslatable_character.
  if (code === '22021' || code === '22P05') return 'bad_text';
  if (typeof code === 'string') {
    if (RETRY.has(code)) return 'retry';
    if (GONE.has(code) || code.startsWith('08') || SOCKET.has(code)) return 'connection';
  }
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      message,
    )
  ) {
    return 'connection';
  }
  return null;
}
