/**
 * The wire formats of the gate's serial devices, as the devices send them: the edge's drivers parse
 * them, firmware-sim's emulators and the tests write them. Pure and strict: bad input throws, since
 * a sender that writes malformed frames by accident would make the readers' rejection counters lie.
 *
 * RDM6300 (125 kHz RFID, 9600 baud): STX 0x02, 10 ASCII hex characters (version byte + 32-bit id),
 * 2 ASCII hex characters of checksum (XOR of the five data bytes), ETX 0x03.
 * ANPR camera: one UTF-8 line per read, `PLATE,CONFIDENCE[,extra…]` + CRLF (grammar in the edge's anpr.ts).
 */
export const RDM6300_STX = 0x02;
export const RDM6300_ETX = 0x03;

/** A byte as two upper-case hex characters, as the RDM6300 writes its data and checksum. */
export const hexByte = (byte: number) => byte.toString(16).toUpperCase().padStart(2, '0');

const TAG = /^[0-9A-Fa-f]{10}$/;

/** `tag` is 10 hex characters (version byte + 32-bit id), e.g. "62E3086CED". */
export function encodeRdm6300Frame(tag: string): Buffer {
  if (!TAG.test(tag)) throw new RangeError(`RDM6300 tag must be 10 hex characters, got "${tag}"`);
  const upper = tag.toUpperCase();
  let checksum = 0;
  for (let i = 0; i < upper.length; i += 2) checksum ^= Number.parseInt(upper.slice(i, i + 2), 16);
  return Buffer.concat([
    Buffer.of(RDM6300_STX),
    Buffer.from(upper + hexByte(checksum), 'ascii'),
    Buffer.of(RDM6300_ETX),
  ]);
}

/**
 * One camera line, CRLF-terminated (grammar in anpr.ts). `confidence` is written as given, so
 * 0.93 and 93 both work; it is rounded to 4 decimals so it never prints in exponent form.
 */
export function encodeAnprLine(
  plate: string,
  confidence: number,
  extraFields: readonly string[] = [],
): Buffer {
  if (plate.trim() === '' || /[,\r\n]/.test(plate)) {
    throw new RangeError(`ANPR plate must be non-empty text without commas or line breaks, got "${plate}"`);
  }
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 100) {
    throw new RangeError(`ANPR confidence must be between 0 and 100, got ${confidence}`);
  }
  if (extraFields.some((field) => /[,\r\n]/.test(field))) {
    throw new RangeError('ANPR extra fields must not contain commas or line breaks');
  }
  const fields = [plate, String(Number(confidence.toFixed(4))), ...extraFields];
  return Buffer.from(`${fields.join(',')}\r\n`, 'utf8');
}
