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

/** An ASCII letter, digit or space: most of the bytes of a Latin-script phrase, whatever its 8-bit encoding. */
function isWordByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x20
  );
}

/**
 * Text in a one-byte encoding (Latin-1, Windows-1252, another ISO 8859 part): no control bytes but whitespace, and
 * at least 80 % ASCII letters, digits and spaces, the accented letters being the few bytes above 0x7f. 32 random
 * bytes pass with probability 9.7e-12.
 */
function isEightBitText(bytes: Buffer): boolean {
  const controls = bytes.some((byte) => (byte < 0x20 && !isTextByte(byte)) || byte === 0x7f);
  return !controls && bytes.filter(isWordByte).length >= Math.ceil(bytes.length * 0.8);
}

/** Lags looked at: enough for any stretching of a short secret; a longer key is not scanned quadratically. */
const MAX_LAG = 64;

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

/** Differences mod 256 (or XORs) of the bytes `lag` apart. For random bytes they are independent and uniform too. */
function lagged(values: Uint8Array, lag: number, xor = false): Uint8Array {
  return values.subarray(lag).map((value, i) => (xor ? value ^ values[i]! : (value - values[i]!) & 0xff)) as Uint8Array;
}

/**
 * At most a third as many distinct values as there are values. For the sequences `structure` looks at in 32 random
 * bytes (each of 10 to 31 independent uniform values) the odds are 1.3e-13 in all, nearly all of it from the
 * every-third-byte rule.
 */
function fewValues(values: Uint8Array): boolean {
  return values.length >= 8 && distinct(values) <= Math.floor(values.length / 3);
}

/**
 * Why the bytes follow a simple rule: every second (or third) byte takes few values (text in UTF-16, bytes spread
 * out), bytes a fixed distance apart differ by few values (a few random bytes stretched to the key's length), or the
 * second or third differences take few values (a polynomial, even taken modulo some number).
 */
function structure(bytes: Buffer): string | undefined {
  for (const stride of [2, 3]) {
    for (let phase = 0; phase < stride; phase++) {
      const every = bytes.filter((_, i) => i % stride === phase);
      if (fewValues(every)) {
        const values = distinct(every);
        return (
          `every ${stride === 2 ? 'second' : 'third'} byte takes only ${values} value${values === 1 ? '' : 's'} ` +
          '(text in UTF-16, or bytes spread out)'
        );
      }
    }
  }
  for (let lag = 1; lag <= Math.min(bytes.length / 2, MAX_LAG); lag++) {
    if (fewValues(lagged(bytes, lag)) || fewValues(lagged(bytes, lag, true))) {
      return `bytes ${lag} apart differ in only a few ways (a few bytes stretched to the key's length)`;
    }
  }
  const second = lagged(lagged(bytes, 1), 1);
  if (fewValues(second) || fewValues(lagged(second, 1))) {
    return 'the bytes follow a pattern (few distinct second or third differences, as a formula makes)';
  }
  return undefined;
}

/**
 * Solves the least-squares fit of each byte as a linear function of the `order` bytes before it (plus a constant),
 * by the normal equations. Returns the share of the bytes' variance the fit leaves, or undefined when the equations
 * are singular (constant or periodic bytes, which other rules refuse).
 */
function unexplainedVariance(bytes: Buffer, order: number): number | undefined {
  const size = order + 1;
  const matrix = Array.from({ length: size }, () => new Array<number>(size + 1).fill(0));
  const rows: number[][] = [];
  for (let i = order; i < bytes.length; i++) {
    const row = [...Array.from({ length: order }, (_, j) => bytes[i - 1 - j]!), 1];
    rows.push(row);
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) matrix[a]![b]! += row[a]! * row[b]!;
      matrix[a]![size]! += row[a]! * bytes[i]!;
    }
  }
  for (let column = 0; column < size; column++) {
    let pivot = column;
    for (let r = column + 1; r < size; r++) {
      if (Math.abs(matrix[r]![column]!) > Math.abs(matrix[pivot]![column]!)) pivot = r;
    }
    [matrix[column], matrix[pivot]] = [matrix[pivot]!, matrix[column]!];
    const lead = matrix[column]![column]!;
    if (Math.abs(lead) < 1e-6) return undefined;
    for (let r = 0; r < size; r++) {
      if (r === column) continue;
      const factor = matrix[r]![column]! / lead;
      for (let c = column; c <= size; c++) matrix[r]![c]! -= factor * matrix[column]![c]!;
    }
  }
  const coefficients = matrix.map((row, i) => row[size]! / row[i]!);
  const targets = bytes.subarray(order);
  const mean = targets.reduce((sum, value) => sum + value, 0) / targets.length;
  let residual = 0;
  let total = 0;
  rows.forEach((row, r) => {
    const predicted = row.reduce((sum, value, i) => sum + value * coefficients[i]!, 0);
    residual += (targets[r]! - predicted) ** 2;
    total += (targets[r]! - mean) ** 2;
  });
  return total === 0 ? undefined : residual / total;
}

/**
 * A sampled smooth curve (a sine table, a polynomial without wrap-around) is predicted almost exactly from the few
 * bytes before each byte. A fit that leaves under 1/256 of the variance: for random bytes its odds are far below
 * 1e-20, and in 200 000 random 32-byte keys the best fit of any order left 27 % of it.
 */
function predictable(bytes: Buffer): number | undefined {
  for (let order = 1; order <= 4; order++) {
    if (bytes.length < order * 4 + 8) break;
    const unexplained = unexplainedVariance(bytes, order);
    if (unexplained !== undefined && unexplained < 1 / 256) return order;
  }
  return undefined;
}

/**
 * Why `bytes` cannot be a randomly generated key, or undefined when they plausibly are. It catches text
 * (passwords, passphrases in UTF-8, in a one-byte encoding or in UTF-16, a base64 or hex string used as the bytes
 * themselves), constant and repeating patterns, counters, a few bytes stretched out, formulas and sampled curves; it
 * cannot tell a random key from one derived from a guessable secret (docs/security.md). It is the second line: keys
 * are given as key texts (key-text.ts) that only the generator writes. The odds that 32 random bytes are refused
 * are below 3e-11, and `generateKey` draws again in that case.
 */
export function keyWeakness(bytes: Buffer): string | undefined {
  if (isText(bytes)) return 'the key bytes are text, like a password or passphrase';
  if (isEightBitText(bytes)) {
    return 'the key bytes are text in a one-byte encoding (Latin-1 or similar), like a password or passphrase';
  }
  const period = shortPeriod(bytes);
  if (period !== undefined) return `the key bytes repeat every ${period} byte${period === 1 ? '' : 's'}`;
  if (distinct(bytes) < MIN_DISTINCT) return `the key has only ${distinct(bytes)} distinct byte values`;
  const steps = bytes.subarray(1).map((byte, i) => (byte - bytes[i]!) & 0xff);
  if (distinct(steps) < MIN_DISTINCT) return 'the key bytes follow a pattern (few distinct steps between bytes)';
  const rule = structure(bytes);
  if (rule !== undefined) return `the key bytes follow a pattern: ${rule}`;
  const order = predictable(bytes);
  if (order !== undefined) {
    return `the key bytes follow a smooth curve (each is predicted from the ${order === 1 ? 'one' : order} before it, as in a sine table)`;
  }
  return undefined;
}
