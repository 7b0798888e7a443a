import { MAX_CLAIMS_BYTES } from './token-format.js';

/**
 * The JSON a token carries for `claims`: '' for none or `{}`, otherwise the object's JSON, at most
 * MAX_CLAIMS_BYTES bytes. Anything but a plain object is a TypeError.
 */
export function encodeClaims(claims: Record<string, unknown> | undefined): string {
  if (claims === undefined) return '';
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError('claims must be a plain object');
  }
  const json = JSON.stringify(claims) as string | undefined;
  // A Date or an object with toJSON passes the checks above but serialises to something else.
  if (typeof json !== 'string' || json[0] !== '{') {
    throw new TypeError('claims must be a plain object');
  }
  const length = Buffer.byteLength(json, 'utf8');
  if (length > MAX_CLAIMS_BYTES) {
    throw new RangeError(`claims must encode to at most ${MAX_CLAIMS_BYTES} bytes of JSON, got ${length}`);
  }
  return json === '{}' ? '' : json;
}
