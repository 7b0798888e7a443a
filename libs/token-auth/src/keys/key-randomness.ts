import { isUtf8 } from 'node:buffer';

/**
 * Fewer distinct byte values (or byte-to-byte steps) than this and the key is not random. 32 random bytes have
 * about 30 distinct values; 16 or fewer happen with probability 2.2e-15 (docs/security.md).
 */
const MIN_DISTINCT = 17;

/** Printable ASCII and the whitespace a file or `echo` leaves in text: tab, line feed, carriage return. */
function isTextByte(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** UTF-8 text with no control characters but whitespace: a password or passphrase, in any script. */
function isText(bytes: Buffer): boolean {
  return bytes.every((byte) => byte >= 0x80 || isTextByte(byte)) && isUtf8(bytes);
}

function distinct(values: Iterable<number>): number {
  return new Set(values).size;
}

/** The shortest p <= length/2 such that every byte equals the one p before it, or undefined. */
function shortPeriod(bytes: Buffer): number | undefined {
  for (let period = 1; period <= bytes.length / 2; period++) {
    let repeats = true;
    for (let i = period; repeats && i < bytes.length; i++) repeats = bytes[i] === bytes[i - period];
    if (repeats) return period;
  }
  return undefined;
}

/**
 * Why `bytes` cannot be a randomly generated key, or undefined when they plausibly are. It catches text
 * (passwords, passphrases, a base64 or hex string used as the bytes themselves), constant and repeating patterns
 * and counters; it cannot tell a random key from one derived from a guessable secret (docs/security.md). The odds
 * that 32 random bytes are refused are below 1.9e-11, and `generateKey` draws again in that case.
 */
export function keyWeakness(bytes: Buffer): string | undefined {
  if (isText(bytes)) return 'the key bytes are text, like a password or passphrase';
  const period = shortPeriod(bytes);
  if (period !== undefined) return `the key bytes repeat every ${period} byte${period === 1 ? '' : 's'}`;
  if (distinct(bytes) < MIN_DISTINCT) return `the key has only ${distinct(bytes)} distinct byte values`;
  const steps = bytes.subarray(1).map((byte, i) => (byte - bytes[i]!) & 0xff);
  if (distinct(steps) < MIN_DISTINCT) return 'the key bytes follow a pattern (few distinct steps between bytes)';
  return undefined;
}
