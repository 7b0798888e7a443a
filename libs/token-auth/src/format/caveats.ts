import { decodeBase64url, encodeBase64url } from './base64url.js';
import {
  CaveatType,
  HTTP_METHODS,
  MAX_CAVEAT_BYTES,
  ONCE_ID_BYTES,
  type CaveatTypeName,
  type HttpMethod,
} from './caveat-format.js';

/**
 * The caveat language of attenuated tokens (docs/token-format.md, section 9.3): closed and typed. Every caveat only
 * narrows; a token's caveats all apply (a conjunction), so adding one never widens what the token allows.
 * Browser-safe: Uint8Array, DataView, TextEncoder and TextDecoder only, shared by the client entry (which writes
 * caveats) and the verifier (which reads them).
 */
export type Caveat =
  /** Refused after `at` (ms since the epoch), with the verifier's clock tolerance, as the token's own `exp`. */
  | { readonly type: 'expires'; readonly at: number }
  /** Only these HTTP methods (upper case). */
  | { readonly type: 'methods'; readonly methods: readonly HttpMethod[] }
  /** Only request paths equal to `prefix` or under it, segment by segment, matched on the normalised path. */
  | { readonly type: 'path'; readonly prefix: string }
  /** Only a service whose `audience` option is exactly this. */
  | { readonly type: 'audience'; readonly audience: string }
  /** One use: the id (16 bytes, base64url) is spent in the revocation store by the first request that passes. */
  | { readonly type: 'once'; readonly id: string };

/** Why a caveat cannot be read: `unknown` type (fail closed), `malformed` payload, or caveats no request can meet. */
export type CaveatProblem = 'unknown' | 'malformed' | 'unsatisfiable';

export class CaveatFormatError extends Error {
  constructor(
    readonly problem: CaveatProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CaveatFormatError';
  }
}

/** Every method bit: a token without a methods caveat allows them all. */
export const ALL_METHOD_BITS = (1 << HTTP_METHODS.length) - 1;
/** The methods of each set of method bits, frozen, made when first needed: one array per set, shared. */
const METHODS_OF_BITS = new Array<readonly HttpMethod[] | undefined>(ALL_METHOD_BITS + 1);

/**
 * The bit of a method the caveat language names (HTTP_METHODS' order, bit 0 first), 0 for any other: a switch, since
 * it runs on every request a token with a methods caveat makes.
 */
export function methodBit(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 1;
    case 'HEAD':
      return 2;
    case 'POST':
      return 4;
    case 'PUT':
      return 8;
    case 'PATCH':
      return 16;
    case 'DELETE':
      return 32;
    case 'OPTIONS':
      return 64;
    default:
      return 0;
  }
}

/** The methods whose bits are set in `bits` (bit 0 first), as one frozen array shared by every caller. */
export function methodsOfBits(bits: number): readonly HttpMethod[] {
  let methods = METHODS_OF_BITS[bits];
  if (methods === undefined) {
    methods = Object.freeze(HTTP_METHODS.filter((_, bit) => (bits & (1 << bit)) !== 0));
    METHODS_OF_BITS[bits] = methods;
  }
  return methods;
}

/** The bits of methods the caveat language names (0 for any other). */
export function methodBitsOf(methods: readonly string[]): number {
  let bits = 0;
  for (const method of methods) bits |= methodBit(method);
  return bits;
}

const MAX_TIME = 2 ** 48 - 1;
/** Bytes of a path prefix or audience: the caveat's bytes less its type byte. */
const MAX_TEXT_BYTES = MAX_CAVEAT_BYTES - 1;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A caveat's bytes (its type byte and payload), checked; a TypeError or RangeError says what is wrong. */
export function encodeCaveat(caveat: Caveat): Uint8Array {
  switch (caveat?.type) {
    case 'expires': {
      const { at } = caveat;
      if (!Number.isSafeInteger(at) || at <= 0 || at > MAX_TIME) {
        throw new RangeError('an expires caveat needs a time in ms since the epoch, a positive whole number');
      }
      const bytes = new Uint8Array(7);
      const view = new DataView(bytes.buffer);
      bytes[0] = CaveatType.expires;
      view.setUint16(1, Math.floor(at / 2 ** 32));
      view.setUint32(3, at % 2 ** 32);
      return bytes;
    }
    case 'methods': {
      let bits = 0;
      if (!Array.isArray(caveat.methods)) throw new TypeError('a methods caveat needs an array of methods');
      for (const method of caveat.methods) {
        const bit = methodBit(method);
        if (bit === 0) {
          throw new RangeError(`a methods caveat takes ${HTTP_METHODS.join(', ')} (upper case), got ${String(method)}`);
        }
        bits |= bit;
      }
      if (bits === 0) throw new RangeError('a methods caveat needs at least one method');
      return Uint8Array.of(CaveatType.methods, bits);
    }
    case 'path':
      return textCaveat(CaveatType.path, normalisePathPrefix(caveat.prefix), 'path prefix');
    case 'audience': {
      const { audience } = caveat;
      if (typeof audience !== 'string' || !isCleanText(audience)) {
        throw new RangeError('an audience caveat needs a non-empty name without control characters');
      }
      return textCaveat(CaveatType.audience, audience, 'audience');
    }
    case 'once': {
      const id = typeof caveat.id === 'string' ? decodeBase64url(caveat.id) : undefined;
      if (id?.length !== ONCE_ID_BYTES) {
        throw new RangeError(`a once caveat needs an id of ${ONCE_ID_BYTES} bytes in base64url`);
      }
      const bytes = new Uint8Array(1 + ONCE_ID_BYTES);
      bytes[0] = CaveatType.once;
      bytes.set(id, 1);
      return bytes;
    }
    default:
      throw new TypeError(`unknown caveat type ${String((caveat as { type?: unknown } | undefined)?.type)}`);
  }
}

function textCaveat(type: number, text: string, what: string): Uint8Array {
  const payload = encoder.encode(text);
  if (payload.length === 0 || payload.length > MAX_TEXT_BYTES) {
    throw new RangeError(`a ${what} must be 1 to ${MAX_TEXT_BYTES} bytes of UTF-8, got ${payload.length}`);
  }
  const bytes = new Uint8Array(1 + payload.length);
  bytes[0] = type;
  bytes.set(payload, 1);
  return bytes;
}

/**
 * The caveat of `length` bytes at `start`, which are authentic (the tag chain matched). A type byte this version
 * does not know is refused (`unknown`), as is a payload that is not exactly what its type allows (`malformed`):
 * the same bytes never read two ways. Bytes are read in place: a view is made only for text and ids.
 */
export function decodeCaveat(bytes: Uint8Array, start: number, length: number): Caveat {
  const payloadLength = length - 1;
  const at = start + 1;
  switch (bytes[start]) {
    case CaveatType.expires: {
      if (payloadLength !== 6) throw malformed('expires');
      const high = (bytes[at]! << 8) | bytes[at + 1]!;
      const low = ((bytes[at + 2]! << 24) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 8) | bytes[at + 5]!) >>> 0;
      const time = high * 2 ** 32 + low;
      if (time === 0) throw malformed('expires');
      return { type: 'expires', at: time };
    }
    case CaveatType.methods: {
      const bits = bytes[at]!;
      if (payloadLength !== 1 || bits === 0 || (bits & ~ALL_METHOD_BITS) !== 0) throw malformed('methods');
      return { type: 'methods', methods: methodsOfBits(bits) };
    }
    case CaveatType.path: {
      const prefix = utf8(bytes, at, payloadLength);
      if (prefix === undefined || !isCanonicalPrefix(prefix)) throw malformed('path');
      return { type: 'path', prefix };
    }
    case CaveatType.audience: {
      const audience = utf8(bytes, at, payloadLength);
      if (audience === undefined || !isCleanText(audience)) throw malformed('audience');
      return { type: 'audience', audience };
    }
    case CaveatType.once:
      if (payloadLength !== ONCE_ID_BYTES) throw malformed('once');
      return { type: 'once', id: encodeBase64url(new Uint8Array(bytes.buffer, bytes.byteOffset + at, ONCE_ID_BYTES)) };
    default:
      throw new CaveatFormatError('unknown', `unknown caveat type ${bytes[start]}`);
  }
}

function malformed(type: CaveatTypeName): CaveatFormatError {
  return new CaveatFormatError('malformed', `malformed ${type} caveat`);
}

/**
 * The `length` bytes at `start` as UTF-8 text, or undefined when empty or not UTF-8. ASCII, what paths and service
 * names mostly are, is read in place; anything else through the strict decoder.
 */
function utf8(bytes: Uint8Array, start: number, length: number): string | undefined {
  if (length === 0) return undefined;
  let ascii = '';
  for (let i = start; i < start + length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) {
      try {
        return strictDecoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset + start, length));
      } catch {
        return undefined;
      }
    }
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}

/** A control character (C0 or DEL), which no audience or path prefix holds. */
function isControlCode(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** Non-empty text without control characters: an audience. */
function isCleanText(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (isControlCode(text.charCodeAt(i))) return false;
  return true;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const QUERY = 0x3f;
const FRAGMENT = 0x23;

/**
 * Whether `prefix` is a path prefix in normal form: starts with `/`, no empty, `.` or `..` segment, no trailing
 * `/` (but `/` itself), and no `\`, `%`, `?`, `#` or control character. The one spelling of each prefix. One pass
 * over the characters, allocating nothing: every path caveat of every token is checked by it.
 */
export function isCanonicalPrefix(prefix: string): boolean {
  const { length } = prefix;
  if (length === 0 || prefix.charCodeAt(0) !== SLASH) return false;
  if (length === 1) return true;
  let segmentStart = 1;
  // A `/` past the end closes the last segment.
  for (let i = 1; i <= length; i++) {
    const code = i < length ? prefix.charCodeAt(i) : SLASH;
    if (code === SLASH) {
      const segmentLength = i - segmentStart;
      if (segmentLength === 0) return false;
      if (prefix.charCodeAt(segmentStart) === DOT) {
        if (segmentLength === 1 || (segmentLength === 2 && prefix.charCodeAt(segmentStart + 1) === DOT)) return false;
      }
      segmentStart = i + 1;
    } else if (isControlCode(code) || code === BACKSLASH || code === PERCENT || code === QUERY || code === FRAGMENT) {
      return false;
    }
  }
  return true;
}

/**
 * `input` as a path prefix in normal form (a trailing `/` dropped), or a RangeError saying why it cannot be one:
 * a prefix is written decoded (`/files/a b`, not `/files/a%20b`) and never climbs (`..`).
 */
export function normalisePathPrefix(input: string): string {
  if (typeof input !== 'string') throw new TypeError('a path prefix must be a string');
  const prefix = input.length > 1 && input.endsWith('/') ? input.slice(0, -1) : input;
  if (!isCanonicalPrefix(prefix)) {
    throw new RangeError(
      'a path prefix starts with /, is written decoded, and has no empty, . or .. segment and no \\ % ? # ' +
        'or control character',
    );
  }
  return prefix;
}
