/** Slots of the table (a power of two): more distinct claims than apps carry at once (roles, tenant). */
const SLOTS = 1024;

/**
 * Parsed claims by the exact bytes a token carries for them, deeply frozen and shared: tokens of many users carry
 * the same few claims, and a hit skips decoding the text and `JSON.parse`. Direct-mapped: a slot is chosen by a
 * hash of the bytes, and holds a copy of those bytes that a hit must match in full, so two different claims texts
 * never share an answer; a new text takes the slot of the one it collides with. Only authentic tokens reach it.
 */
export class ParsedClaimsTable {
  private readonly bytes = new Array<Uint8Array | undefined>(SLOTS);
  private readonly claims = new Array<Readonly<Record<string, unknown>> | undefined>(SLOTS);

  /** The claims held for `source[start, end)`, if those bytes were parsed before. */
  get(source: Uint8Array, start: number, end: number): Readonly<Record<string, unknown>> | undefined {
    const slot = slotOf(source, start, end);
    const held = this.bytes[slot];
    if (held === undefined || held.length !== end - start) return undefined;
    for (let i = 0; i < held.length; i++) if (held[i] !== source[start + i]) return undefined;
    return this.claims[slot];
  }

  set(source: Uint8Array, start: number, end: number, claims: Readonly<Record<string, unknown>>): void {
    const slot = slotOf(source, start, end);
    // A copy: the source is the shared decode buffer.
    this.bytes[slot] = new Uint8Array(source.subarray(start, end));
    this.claims[slot] = claims;
  }
}

/** FNV-1a over the bytes: spreads texts differing in any byte. Not a security boundary: hits compare every byte. */
function slotOf(source: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ source[i]!, 0x01000193);
  return (hash >>> 0) & (SLOTS - 1);
}
