/**
 * Slots of a table (a power of two): more distinct claims, or caveat lists, than apps carry at once (roles, tenant;
 * the few kinds of links a page shares).
 */
const SLOTS = 1024;

/** What a slot holds: the bytes as big-endian 32-bit words (the last one padded with zeros) and what they decode to. */
interface Held<T> {
  readonly length: number;
  readonly words: readonly number[];
  readonly value: T;
}

/**
 * What bytes of a token decode to (claims, caveats), by those exact bytes, frozen and shared: tokens of many users
 * carry the same few, and a hit skips decoding them. Direct-mapped: a slot is chosen by a hash of the bytes, and
 * holds a copy of those bytes that a hit must match in full, so two different byte strings never share an answer;
 * new bytes take the slot of those they collide with. Only authentic tokens reach it.
 * Bytes are read four at a time through a DataView, which V8 compiles to plain loads.
 */
export class BytesTable<T> {
  private readonly slots = new Array<Held<T> | undefined>(SLOTS);

  /** What was held for the `length` bytes at `start`, if those bytes were decoded before. */
  get(view: DataView, start: number, length: number): T | undefined {
    const held = this.slots[slotOf(view, start, length)];
    if (held === undefined || held.length !== length) return undefined;
    const { words } = held;
    for (let i = 0; i < words.length; i++) if (wordAt(view, start, length, i) !== words[i]) return undefined;
    return held.value;
  }

  set(view: DataView, start: number, length: number, value: T): void {
    const words = Array.from({ length: (length + 3) >> 2 }, (_, i) => wordAt(view, start, length, i));
    this.slots[slotOf(view, start, length)] = { length, words, value };
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
