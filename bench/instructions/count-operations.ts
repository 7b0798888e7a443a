import { countOperations } from '../instructions.bench.js';
import { formatRatio, table } from '../support/markdown.js';
import { FLOOR } from '../support/operations.js';

/**
 * The in-process instruction counts alone, outside `npm run bench`: `node dist/bench/instructions/count-operations.js
 * [--repeats R] [--keep DIR] [operation name ...]`. Each operation is counted R times, each time in a fresh process,
 * so the table shows how close two counts of the same operation come; `--keep` leaves the callgrind dump files
 * (one folder per process; the 6th dump holds the 2n calls) for callgrind_annotate.
 */
const args = process.argv.slice(2);
const option = (flag: string) => {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const repeats = Number(option('--repeats') ?? 1);
const keepDumpsIn = option('--keep');
const counts = await countOperations(false, { repeats, keepDumpsIn, ...(args.length > 0 ? { names: args } : {}) });
const floor = counts[0]!.find((c) => c.name === FLOOR)?.perUnit;
const format = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  table(
    [
      'operation',
      ...counts.map((_, i) => `run ${i + 1}, per call`),
      ...(repeats > 1 ? ['spread'] : []),
      ...(floor ? ['vs one HMAC'] : []),
      'n',
    ],
    counts[0]!.map((c, i) => {
      const figures = counts.map((list) => list[i]!.perUnit);
      const spread = (Math.max(...figures) - Math.min(...figures)) / Math.min(...figures);
      return [
        c.name,
        ...figures.map(format),
        ...(repeats > 1 ? [`${(spread * 100).toFixed(1)} %`] : []),
        ...(floor ? [formatRatio(c.perUnit / floor)] : []),
        String(c.iterations),
      ];
    }),
  ),
);
