import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { CallgrindProcess, perUnit, valgrindVersion } from '../../bench/instructions/callgrind.js';
import { run } from '../../bench/instructions.bench.js';

const fixture = fileURLToPath(new URL('./fixtures/hmac-units.mjs', import.meta.url));

async function instructionsPerUnit(hmacsPerUnit: number): Promise<number> {
  // As the per-operation counters run: the main thread counted, with every collection on it and the compiler not.
  const { process: counted } = await CallgrindProcess.start(fixture, [String(hmacsPerUnit)]);
  try {
    const work = (iterations: number) => counted.ask({ iterations }).then(() => {});
    // Enough units that V8 tiering up during a count is small beside the HMACs, and the median of three pairs.
    return (await perUnit(counted, work, { warmup: 800, minimum: 800, maximum: 800, repeats: 3 })).perUnit;
  } finally {
    await counted.stop();
  }
}

/**
 * Smoke test of the instruction counts (`npm run bench` runs them over every operation and route): the method,
 * on a process whose unit of work is known. Needs valgrind; without it, checks that the bench says so.
 */
describe('bench: instruction counts', () => {
  const version = valgrindVersion();

  if (version === undefined) {
    it('reports that valgrind is missing instead of publishing counts', async () => {
      console.warn('valgrind is not installed: the instruction counts themselves are not exercised');
      expect(await run({ quick: true })).toContain('Not measured in this run: valgrind is not installed');
    });
    return;
  }

  it('counts what the work costs: one HMAC in a sane range, the same figure from two separate processes', async () => {
    const [first, second] = await Promise.all([instructionsPerUnit(1), instructionsPerUnit(1)]);
    // One createHmac().update().digest() over 83 bytes is some tens of thousands of instructions.
    expect(first).toBeGreaterThan(5_000);
    expect(first).toBeLessThan(200_000);
    // BENCHMARKS.md compares figures a few percent apart: two counts of the same work must agree that closely.
    expect(Math.abs(second - first) / first).toBeLessThan(0.05);
  }, 600_000);
});
