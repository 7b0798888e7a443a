/**
 * The contract of every `bench/*.bench.ts` module: `export async function run(options: BenchOptions)` returns one
 * Markdown section of BENCHMARKS.md. `quick` is the smoke mode: few iterations, seconds, numbers meaningless.
 */
export interface BenchOptions {
  quick: boolean;
}

export type BenchRun = (options: BenchOptions) => Promise<string>;
