import { MAX_CAVEAT_BYTES, MAX_CAVEATS } from './caveat-format.js';
import { MAX_CLAIMS_BYTES, OFFSET_SUBJECT, OFFSET_SUBJECT_LENGTH, TAG_BYTES } from './token-format.js';

/**
 * Where the parts of a decoded token lie: the v1 body (fields at the offsets of section 3), the caveats of an
 * attenuated token, and the tag. Read from the length fields and length bytes alone, before anything is
 * authenticated; shared by the verifier (over a Buffer) and the client entry (over a Uint8Array).
 */
export interface TokenLayout {
  readonly bodyLength: number;
  readonly subjectLength: number;
  readonly claimsLength: number;
  /** Offset and length of each caveat's bytes (its type byte and payload; the length byte is just before). */
  readonly caveatStarts: readonly number[];
  readonly caveatLengths: readonly number[];
}

/**
 * The v1 body's lengths in the first `length` bytes, if its subject and claims fields fit with `after` more bytes
 * (caveats and the tag) within them; undefined otherwise.
 */
function bodyLayout(
  bytes: Uint8Array,
  length: number,
  after: number,
): { bodyLength: number; subjectLength: number; claimsLength: number } | undefined {
  if (length <= OFFSET_SUBJECT_LENGTH) return undefined;
  const subjectLength = bytes[OFFSET_SUBJECT_LENGTH]!;
  const claimsLengthOffset = OFFSET_SUBJECT + subjectLength;
  if (subjectLength === 0 || claimsLengthOffset + 2 + after > length) return undefined;
  const claimsLength = (bytes[claimsLengthOffset]! << 8) | bytes[claimsLengthOffset + 1]!;
  const bodyLength = claimsLengthOffset + 2 + claimsLength;
  if (claimsLength > MAX_CLAIMS_BYTES || bodyLength + after > length) return undefined;
  return { bodyLength, subjectLength, claimsLength };
}

/** The layout of a v1 token's `length` bytes (no caveats), if the body and tag fill them exactly. */
export function plainLayout(bytes: Uint8Array, length: number): TokenLayout | undefined {
  const body = bodyLayout(bytes, length, TAG_BYTES);
  if (body === undefined || body.bodyLength + TAG_BYTES !== length) return undefined;
  return { ...body, caveatStarts: [], caveatLengths: [] };
}

/**
 * The layout of an attenuated token's `length` bytes: the body, then 1 to MAX_CAVEATS caveats, each a length byte
 * (1 to MAX_CAVEAT_BYTES) and that many bytes, ending exactly where the 32-byte tag starts; undefined otherwise.
 */
export function attenuatedLayout(bytes: Uint8Array, length: number): TokenLayout | undefined {
  // At least one caveat: its length byte and one byte.
  const body = bodyLayout(bytes, length, 2 + TAG_BYTES);
  if (body === undefined) return undefined;
  const end = length - TAG_BYTES;
  const caveatStarts: number[] = [];
  const caveatLengths: number[] = [];
  let at = body.bodyLength;
  while (at < end) {
    const caveatLength = bytes[at]!;
    if (caveatLength === 0 || caveatLength > MAX_CAVEAT_BYTES || at + 1 + caveatLength > end) return undefined;
    if (caveatStarts.length === MAX_CAVEATS) return undefined;
    caveatStarts.push(at + 1);
    caveatLengths.push(caveatLength);
    at += 1 + caveatLength;
  }
  return { ...body, caveatStarts, caveatLengths };
}
