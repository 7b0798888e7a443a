import { keyIdText, parseClaims, type ParsedToken } from '../format/token-codec.js';
import { OFFSET_KEY_ID } from '../format/token-format.js';
import { BytesTable } from './bytes-table.js';

/**
 * What verification decodes again and again, kept: the text of the last key id, and claims objects by their bytes.
 * Nearly every token names the active key, and tokens of many users carry the same few claims.
 */

/** The last key id decoded, as the three numbers its 9 bytes read as: comparing them costs less than encoding. */
const lastKeyId = { high: 0, middle: 0, low: -1, text: '' };

export function keyIdOf(parsed: ParsedToken): string {
  const { view } = parsed;
  const high = view.getUint32(OFFSET_KEY_ID);
  const middle = view.getUint32(OFFSET_KEY_ID + 4);
  const low = view.getUint8(OFFSET_KEY_ID + 8);
  if (high === lastKeyId.high && middle === lastKeyId.middle && low === lastKeyId.low) return lastKeyId.text;
  lastKeyId.text = keyIdText(parsed);
  lastKeyId.high = high;
  lastKeyId.middle = middle;
  lastKeyId.low = low;
  return lastKeyId.text;
}

const parsedClaims = new BytesTable<Readonly<Record<string, unknown>>>();

/** The token's claims (deeply frozen, shared by every token carrying the same bytes). Only after the tag matched. */
export function claimsOf(parsed: ParsedToken): Readonly<Record<string, unknown>> {
  const { view, bodyLength, claimsLength } = parsed;
  if (claimsLength === 0) return parseClaims(parsed);
  const start = bodyLength - claimsLength;
  const cached = parsedClaims.get(view, start, claimsLength);
  if (cached !== undefined) return cached;
  const claims = parseClaims(parsed);
  parsedClaims.set(view, start, claimsLength, claims);
  return claims;
}
