/**
 * A binary min-heap on `at` (ms since the epoch): the next item to expire is on top; push and pop are O(log n).
 * The array is copied to its size once it holds under a quarter of its peak, since an array never gives back the
 * memory of popped slots: after a burst of expiries, memory returns to what the live items need.
 */
export class ExpiryHeap<T extends { readonly at: number }> {
  private items: T[] = [];
  private peak = 0;

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    if (items.length > this.peak) this.peak = items.length;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.at <= item.at) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the top item when it is due at or before `now`. */
  popDue(now: number): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined || top.at > now) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]!.at < items[left]!.at ? right : left;
        if (items[child]!.at >= last.at) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    if (items.length * 4 < this.peak && this.peak > 1024) {
      this.items = items.slice();
      this.peak = this.items.length;
    }
    return top;
  }

  clear(): void {
    this.items = [];
    this.peak = 0;
  }
}
