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
  /** Offset of each caveat's bytes (its type byte and payload; the length byte, just before, says how many). */
  readonly caveatStarts: readonly number[];
}

/**
 * The length of the v1 body at the start of the first `length` bytes, if its subject and claims fields fit with
 * `after` more bytes (caveats and the tag) within them; -1 otherwise. The subject's length is its length byte, the
 * claims' what is left of the body.
 */
export function bodyLengthOf(bytes: Uint8Array, length: number, after: number): number {
  if (length <= OFFSET_SUBJECT_LENGTH) return -1;
  const subjectLength = bytes[OFFSET_SUBJECT_LENGTH]!;
  const claimsLengthOffset = OFFSET_SUBJECT + subjectLength;
  if (subjectLength === 0 || claimsLengthOffset + 2 + after > length) return -1;
  const claimsLength = (bytes[claimsLengthOffset]! << 8) | bytes[claimsLengthOffset + 1]!;
  const bodyLength = claimsLengthOffset + 2 + claimsLength;
  if (claimsLength > MAX_CLAIMS_BYTES || bodyLength + after > length) return -1;
  return bodyLength;
}

/**
 * How many caveats lie in `bytes[start, end)`: 1 to MAX_CAVEATS, each a length byte (1 to MAX_CAVEAT_BYTES) and
 * that many bytes, the last ending exactly at `end`; -1 otherwise. Offsets only: the verifier walks them again.
 */
export function caveatCountOf(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let at = start; at < end; at += 1 + bytes[at]!) {
    const caveatLength = bytes[at]!;
    if (caveatLength === 0 || caveatLength > MAX_CAVEAT_BYTES || at + 1 + caveatLength > end) return -1;
    if (++count > MAX_CAVEATS) return -1;
  }
  return count === 0 ? -1 : count;
}

function layoutOf(bytes: Uint8Array, bodyLength: number, caveatEnd: number): TokenLayout {
  const subjectLength = bytes[OFFSET_SUBJECT_LENGTH]!;
  const caveatStarts: number[] = [];
  for (let at = bodyLength; at < caveatEnd; at += 1 + bytes[at]!) caveatStarts.push(at + 1);
  return {
    bodyLength,
    subjectLength,
    claimsLength: bodyLength - OFFSET_SUBJECT - subjectLength - 2,
    caveatStarts,
  };
}

/** The layout of a v1 token's `length` bytes (no caveats), if the body and tag fill them exactly. */
export function plainLayout(bytes: Uint8Array, length: number): TokenLayout | undefined {
  const bodyLength = bodyLengthOf(bytes, length, TAG_BYTES);
  if (bodyLength === -1 || bodyLength + TAG_BYTES !== length) return undefined;
  return layoutOf(bytes, bodyLength, bodyLength);
}

/**
 * The layout of an attenuated token's `length` bytes: the body, then its caveats (`caveatCountOf`), ending exactly
 * where the 32-byte tag starts; undefined otherwise.
 */
export function attenuatedLayout(bytes: Uint8Array, length: number): TokenLayout | undefined {
  // At least one caveat: its length byte and one byte.
  const bodyLength = bodyLengthOf(bytes, length, 2 + TAG_BYTES);
  if (bodyLength === -1 || caveatCountOf(bytes, bodyLength, length - TAG_BYTES) === -1) return undefined;
  return layoutOf(bytes, bodyLength, length - TAG_BYTES);
}
