/**
 * The verified-token cache's admission: the slot numbers of tokens verified once and not cached. The cache takes a
 * token on its second verification, so a token presented once (a flood of new tokens, a client that logs in for
 * one call) costs the uncached verification and leaves nothing behind. Caching every such token kept its text and
 * claims alive until evicted, and collecting them cost more than the cache saves (BENCHMARKS.md, Instruction counts).
 *
 * One fixed table of numbers, allocated once: a token's number lands in one cell, and a later token landing there
 * replaces it, so a token may wait for a third verification to be cached; a token whose number equals one noted
 * (two tokens ending alike) is cached on its first. It decides only what is cached, never what is accepted: whatever
 * it answers, the token it is asked about has just passed verification.
 */
export class SecondSight {
  private readonly seen: Int32Array;
  private readonly shift: number;

  /** A table of `cells` rounded up to a power of two, from 16 to 2^20 cells (4 MiB, whatever the cache's bounds). */
  constructor(cells: number) {
    const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(cells))));
    this.seen = new Int32Array(2 ** bits).fill(-1);
    this.shift = 32 - bits;
  }

  /** Whether `slot` (0 to 2^30 - 1) was seen since its cell last changed; if not, it is remembered now. */
  seenBefore(slot: number): boolean {
    // Fibonacci hashing: the cell from the product's high bits, which every bit of the slot number reaches.
    const cell = Math.imul(slot, 0x9e3779b1) >>> this.shift;
    if (this.seen[cell] === slot) return true;
    this.seen[cell] = slot;
    return false;
  }
}
