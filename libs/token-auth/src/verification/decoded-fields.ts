import { keyIdText, parseClaims, type ParsedToken } from '../format/token-codec.js';
import { OFFSET_KEY_ID } from '../format/token-format.js';

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

/** Slots of the table (a power of two): more distinct claims than apps carry at once (roles, tenant). */
const SLOTS = 1024;

/** What a slot holds: the claims bytes as big-endian 32-bit words (the last one padded with zeros) and their object. */
interface Held {
  readonly length: number;
  readonly words: readonly number[];
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Parsed claims by the exact bytes a token carries for them, deeply frozen and shared: tokens of many users carry
 * the same few claims, and a hit skips decoding the text and `JSON.parse`. Direct-mapped: a slot is chosen by a
 * hash of the bytes, and holds a copy of those bytes that a hit must match in full, so two different claims texts
 * never share an answer; a new text takes the slot of the one it collides with. Only authentic tokens reach it.
 * Bytes are read four at a time through a DataView, which V8 compiles to plain loads.
 */
export class ParsedClaimsTable {
  private readonly slots = new Array<Held | undefined>(SLOTS);

  /** The claims held for the `length` bytes at `start`, if those bytes were parsed before. */
  get(view: DataView, start: number, length: number): Readonly<Record<string, unknown>> | undefined {
    const held = this.slots[slotOf(view, start, length)];
    if (held === undefined || held.length !== length) return undefined;
    const { words } = held;
    for (let i = 0; i < words.length; i++) if (wordAt(view, start, length, i) !== words[i]) return undefined;
    return held.claims;
  }

  set(view: DataView, start: number, length: number, claims: Readonly<Record<string, unknown>>): void {
    const words = Array.from({ length: (length + 3) >> 2 }, (_, i) => wordAt(view, start, length, i));
    this.slots[slotOf(view, start, length)] = { length, words, claims };
  }
}

/** Word `i` of the `length` bytes at `start`; bytes past the end read as zeros. */
function wordAt(view: DataView, start: number, length: number, i: number): number {
  const at = 4 * i;
  if (at + 4 <= length) return view.getUint32(start + at);
  let word = 0;
  for (let k = 0; k < 4; k++) word = (word << 8) | (at + k < length ? view.getUint8(start + at + k) : 0);
  return word >>> 0;
}

/** A multiplicative hash of the words and the length. Not a security boundary: hits compare every byte. */
function slotOf(view: DataView, start: number, length: number): number {
  let hash = Math.imul(length, 0x9e3779b1);
  for (let i = 0, words = (length + 3) >> 2; i < words; i++)
    hash = Math.imul(hash ^ wordAt(view, start, length, i), 0x85ebca6b);
  return (hash ^ (hash >>> 15)) & (SLOTS - 1);
}

const parsedClaims = new ParsedClaimsTable();

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
