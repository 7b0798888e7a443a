/**
 * The contract of every `bench/*.bench.ts` module: `export async function run(options: BenchOptions)` returns one
 * Markdown section of BENCHMARKS.md. `quick` is the smoke mode: few iterations, seconds, numbers meaningless.
 */
export interface BenchOptions {
  quick: boolean;
  /** False with `--no-instructions`: skip the callgrind counts (they take most of a full run). */
  instructions?: boolean;
}

export type BenchRun = (options: BenchOptions) => Promise<string>;
