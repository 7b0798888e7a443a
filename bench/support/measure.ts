/** One operation under measurement. `fn` may return a promise, which is awaited. */
export interface Candidate {
  name: string;
  fn: () => unknown;
}

export interface MeasureSettings {
  /** Interleaved rounds; the reported figure is the median over rounds. */
  rounds: number;
  /** Wall time a batch should take; the batch size is calibrated per candidate after warm-up. */
  batchMs: number;
  warmupMs: number;
}

export interface Measurement {
  name: string;
  /** Median over rounds, in nanoseconds per operation. */
  nsPerOp: number;
  /** Every round's ns/op, in round order. */
  rounds: number[];
  iterationsPerRound: number;
}

// Written by every measured call and never read: V8 cannot drop a call whose result is stored.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
let sink = 0;

async function runBatch(fn: () => unknown, iterations: number, isAsync: boolean): Promise<number> {
  const start = process.hrtime.bigint();
  if (isAsync) {
    for (let i = 0; i < iterations; i++) sink ^= (await fn()) === undefined ? 0 : 1;
  } else {
    for (let i = 0; i < iterations; i++) sink ^= fn() === undefined ? 0 : 1;
  }
  return Number(process.hrtime.bigint() - start);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Warm-up, then `rounds` rounds in which every candidate runs one calibrated batch. The order rotates each round,
 * so machine drift (other processes, thermal state, GC debt) falls on every candidate alike.
 */
export async function measure(candidates: readonly Candidate[], settings: MeasureSettings): Promise<Measurement[]> {
  const plans: { candidate: Candidate; isAsync: boolean; iterations: number; rounds: number[] }[] = [];
  for (const candidate of candidates) {
    const isAsync = candidate.fn() instanceof Promise;
    if (isAsync) await candidate.fn();
    let iterations = 1;
    let spent = 0;
    let ns = 0;
    // Warm-up doubles the batch until warmupMs is spent; the last batch's rate sets the batch size.
    while (spent < settings.warmupMs * 1e6) {
      ns = await runBatch(candidate.fn, iterations, isAsync);
      spent += ns;
      if (spent < settings.warmupMs * 1e6) iterations *= 2;
    }
    const perOp = ns / iterations;
    plans.push({
      candidate,
      isAsync,
      iterations: Math.max(1, Math.round((settings.batchMs * 1e6) / perOp)),
      rounds: [],
    });
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[(i + round) % plans.length]!;
      plan.rounds.push((await runBatch(plan.candidate.fn, plan.iterations, plan.isAsync)) / plan.iterations);
    }
  }
  return plans.map(({ candidate, iterations, rounds }) => ({
    name: candidate.name,
    nsPerOp: median(rounds),
    rounds,
    iterationsPerRound: iterations,
  }));
}
