/** The base64url alphabet as character codes. */
const ALPHABET = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) => c.charCodeAt(0));

/**
 * `bytes.toString('base64url', offset, offset + 16)`, for the token and session ids read on every verification, in
 * one string allocation: Buffer's encoder is a call into C++ that costs more than the encoding of 16 bytes.
 */
export function idText(bytes: Uint8Array, offset: number): string {
  const a = ALPHABET;
  const w0 = (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
  const w1 = (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
  const w2 = (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 8) | bytes[offset + 8]!;
  const w3 = (bytes[offset + 9]! << 16) | (bytes[offset + 10]! << 8) | bytes[offset + 11]!;
  const w4 = (bytes[offset + 12]! << 16) | (bytes[offset + 13]! << 8) | bytes[offset + 14]!;
  const last = bytes[offset + 15]!;
  return String.fromCharCode(
    a[w0 >>> 18]!, a[(w0 >>> 12) & 63]!, a[(w0 >>> 6) & 63]!, a[w0 & 63]!,
    a[w1 >>> 18]!, a[(w1 >>> 12) & 63]!, a[(w1 >>> 6) & 63]!, a[w1 & 63]!,
    a[w2 >>> 18]!, a[(w2 >>> 12) & 63]!, a[(w2 >>> 6) & 63]!, a[w2 & 63]!,
    a[w3 >>> 18]!, a[(w3 >>> 12) & 63]!, a[(w3 >>> 6) & 63]!, a[w3 & 63]!,
    a[w4 >>> 18]!, a[(w4 >>> 12) & 63]!, a[(w4 >>> 6) & 63]!, a[w4 & 63]!,
    a[last >>> 2]!, a[(last & 3) << 4]!,
  );
}
