import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { CallgrindProcess, perUnit, valgrindVersion } from '../../bench/instructions/callgrind.js';
import { run } from '../../bench/instructions.bench.js';

const fixture = fileURLToPath(new URL('./fixtures/hmac-units.mjs', import.meta.url));

async function instructionsPerUnit(hmacsPerUnit: number): Promise<number> {
  const { process: counted } = await CallgrindProcess.start(fixture, [String(hmacsPerUnit)]);
  try {
    const work = (iterations: number) => counted.ask({ iterations }).then(() => {});
    return (await perUnit(counted, work, { warmup: 50, minimum: 50, maximum: 400, repeats: 1 })).perUnit;
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

  it('counts what the work costs: twice the HMACs per unit, twice the instructions, and one HMAC in a sane range', async () => {
    const [one, two] = await Promise.all([instructionsPerUnit(1), instructionsPerUnit(2)]);
    // One createHmac().update().digest() over 83 bytes is some tens of thousands of instructions.
    expect(one).toBeGreaterThan(5_000);
    expect(one).toBeLessThan(200_000);
    expect(two / one).toBeGreaterThan(1.8);
    expect(two / one).toBeLessThan(2.2);
  }, 600_000);
});
