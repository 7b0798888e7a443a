export interface MemoryReading {
  label: string;
  heapUsedMb: number;
  rssMb: number;
}

/** Heap in use after a full collection (run node with --expose-gc), so readings compare live objects only. */
export function heapSnapshot(label: string): MemoryReading {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
  const { heapUsed, rss } = process.memoryUsage();
  return { label, heapUsedMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 };
}
