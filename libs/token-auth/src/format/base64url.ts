import { BASE64URL_ALPHABET } from './token-format.js';

/**
 * Canonical unpadded base64url (RFC 4648 section 5) over Uint8Array, for code that runs where Buffer does not (a
 * browser, a service worker, Deno): the client entry and the caveat codec. The verifier decodes tokens with
 * Buffer (token-codec.ts) and holds them to the same canonical rules.
 */

const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL_ALPHABET.length; i++) VALUES[BASE64URL_ALPHABET.charCodeAt(i)] = i;

export function encodeBase64url(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const word = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    text +=
      BASE64URL_ALPHABET[word >>> 18]! +
      BASE64URL_ALPHABET[(word >>> 12) & 63]! +
      BASE64URL_ALPHABET[(word >>> 6) & 63]! +
      BASE64URL_ALPHABET[word & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const word = bytes[i]! << 16;
    text += BASE64URL_ALPHABET[word >>> 18]! + BASE64URL_ALPHABET[(word >>> 12) & 63]!;
  } else if (rest === 2) {
    const word = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    text +=
      BASE64URL_ALPHABET[word >>> 18]! +
      BASE64URL_ALPHABET[(word >>> 12) & 63]! +
      BASE64URL_ALPHABET[(word >>> 6) & 63]!;
  }
  return text;
}

/**
 * The bytes `text` spells, or undefined unless it is their one canonical spelling: only the 64 characters, no
 * padding, a length that is not 1 modulo 4, and zero unused bits in the last character.
 */
export function decodeBase64url(text: string): Uint8Array | undefined {
  const tail = text.length & 3;
  if (tail === 1) return undefined;
  const bytes = new Uint8Array((text.length * 3) >> 2);
  let at = 0;
  let word = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) return undefined;
    word = (word << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (word >>> bits) & 0xff;
    }
  }
  // The bits left over in the last character must be zero.
  if ((word & ((1 << bits) - 1)) !== 0) return undefined;
  return bytes;
}
