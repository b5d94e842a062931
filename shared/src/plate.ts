/**
 * Plate and RFID tag normalisation.
 *
 * An ANPR camera, a member typing into an app and an operator's spreadsheet all spell the same plate
 * differently ("12가 3456", "12가-3456", "ab 123 c"). Every plate is normalised once, at the edge of the
 * system, so that comparisons are plain string equality. Non-Latin scripts (Korean plates such as
 * `12가3456`) are kept intact: only case, separators and Unicode compatibility forms are folded.
 */

/** Characters people and cameras put between the parts of a plate. */
const SEPARATORS = /[\s\-_.·・‧]/gu;
// Letters with their combining marks (Devanagari, Thai vowel and tone marks) and digits of any script.
const PLATE_SHAPE = /^[\p{L}\p{M}\p{N}]{1,16}$/u;
const HEX = /^[0-9A-F]+$/;

export type NormalizeResult = { ok: true; value: string } | { ok: false; error: string };

/**
 * NFKC folds full-width digits and letters ("１２가３４５６") into their plain forms while keeping
 * composed Hangul syllables composed; upper-casing is a no-op for scripts without case. Upper-casing
 * can decompose (Greek `ΐ` becomes `Ϊ́`, three code points), so NFKC runs again after it: what this
 * returns, normalised again, is itself.
 */
export function normalizePlate(raw: string): NormalizeResult {
  if (typeof raw !== 'string') return { ok: false, error: 'plate must be a string' };
  if (!isWellFormed(raw)) return { ok: false, error: 'plate is not valid Unicode (a lone surrogate)' };
  const value = raw.normalize('NFKC').replace(SEPARATORS, '').toUpperCase().normalize('NFKC');
  if (value.length === 0) return { ok: false, error: 'plate is empty' };
  if (!PLATE_SHAPE.test(value)) {
    return { ok: false, error: 'plate must be 1-16 letters or digits (spaces and hyphens are ignored)' };
  }
  return { ok: true, value };
}

/** False for a string holding a lone UTF-16 surrogate, which has no UTF-8 form and would be stored as U+FFFD. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
const LONE_SURROGATE = /\p{Surrogate}/u;

/** An RFID tag id as hex (an RDM6300 reports 10 hex characters: a version byte and a 32-bit id). */
export function normalizeRfidTag(raw: string): NormalizeResult {
  if (typeof raw !== 'string') return { ok: false, error: 'RFID tag must be a string' };
  const value = raw.replace(/[\s:-]/g, '').toUpperCase();
  if (value.length < 8 || value.length > 20 || !HEX.test(value)) {
    return { ok: false, error: 'RFID tag must be 8-20 hexadecimal characters' };
  }
  return { ok: true, value };
}

export type CredentialKind = 'plate' | 'rfid';

export function normalizeCredential(kind: CredentialKind, raw: string): NormalizeResult {
  return kind === 'plate' ? normalizePlate(raw) : normalizeRfidTag(raw);
}
