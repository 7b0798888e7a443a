import { randomInt } from 'node:crypto';
import { fuzzAttenuated } from './attenuated.fuzz.js';
import { fuzzHttp, type HttpFuzzResult } from './http.fuzz.js';
import { fuzzKeyRing } from './key-ring.fuzz.js';
import type { MemoryReading } from './memory.js';
import { Random } from './random.js';
import { checkTiming } from './timing.js';
import { fuzzVerify } from './verify.fuzz.js';

/**
 * `npm run fuzz`: mutated and random tokens through TokenService.verify and through the demo's HTTP guard, mutated
 * key texts and key rings through the ring's parser, then the timing check. FUZZ_SEED repeats a run; FUZZ_VERIFY,
 * FUZZ_HTTP and FUZZ_KEYS change the counts. Exits 1 on any finding.
 */
const seed = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const verifyCount = Number(process.env.FUZZ_VERIFY ?? 1_000_000);
const httpCount = Number(process.env.FUZZ_HTTP ?? 20_000);
const attenuatedCount = Number(process.env.FUZZ_ATTENUATED ?? 200_000);
const keyCount = Number(process.env.FUZZ_KEYS ?? 50_000);

function table(rows: (string | number)[][]): string {
  const text = rows.map((row) => row.map(String));
  const widths = text[0]!.map((_, column) => Math.max(...text.map((row) => row[column]!.length)));
  return text.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
}

function memoryLine(readings: MemoryReading[]): string {
  const first = readings[0]!;
  const last = readings.at(-1)!;
  const peak = Math.max(...readings.map((reading) => reading.heapUsedMb));
  return `heap ${first.heapUsedMb.toFixed(1)} -> ${last.heapUsedMb.toFixed(1)} MB (peak ${peak.toFixed(1)}), rss ${first.rssMb.toFixed(0)} -> ${last.rssMb.toFixed(0)} MB`;
}

function heapGrowthMb(readings: MemoryReading[]): number {
  return readings.at(-1)!.heapUsedMb - readings[0]!.heapUsedMb;
}

/** Heap growth over a whole stage that still counts as flat: less than the noise of a collection. */
const FLAT_HEAP_MB = 5;

async function main(): Promise<void> {
  console.log(
    `fuzz seed ${seed} (repeat with FUZZ_SEED=${seed}); node ${process.version}, ${process.platform} ${process.arch}\n`,
  );
  let failed = false;

  const verify = await fuzzVerify(new Random(seed), verifyCount);
  console.log(`TokenService.verify: ${verify.inputs.toLocaleString('en')} inputs in ${verify.seconds.toFixed(1)} s`);
  console.log(
    table([
      ['input kind', 'count'],
      ...Object.entries(verify.byKind).map(([kind, n]) => [kind, n.toLocaleString('en')]),
    ]),
  );
  console.log();
  console.log(
    table([
      ['refusal code', 'count'],
      ...Object.entries(verify.byCode)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => [code, n.toLocaleString('en')]),
    ]),
  );
  console.log();

  const attenuated = await fuzzAttenuated(new Random(seed + 4), attenuatedCount);
  console.log(
    `TokenService.verify, attenuated tokens: ${attenuated.inputs.toLocaleString('en')} inputs in ${attenuated.seconds.toFixed(1)} s`,
  );
  console.log(
    table([
      ['input kind', 'count'],
      ...Object.entries(attenuated.byKind).map(([kind, n]) => [kind, n.toLocaleString('en')]),
    ]),
  );
  console.log();
  console.log(
    table([
      ['refusal code', 'count'],
      ...Object.entries(attenuated.byCode)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => [code, n.toLocaleString('en')]),
    ]),
  );
  console.log();
  for (const finding of [...attenuated.accepted, ...attenuated.unmetAccepted, ...attenuated.crashes].slice(0, 20)) {
    console.log(`attenuated finding: ${finding}`);
  }

  const http: HttpFuzzResult[] = [];
  for (const adapter of ['express', 'fastify'] as const) {
    http.push(await fuzzHttp(new Random(seed + 1), adapter, httpCount));
  }
  const keys = fuzzKeyRing(new Random(seed + 3), keyCount);
  const timing = await checkTiming(new Random(seed + 2));

  const verifyFlat = heapGrowthMb(verify.memory) < FLAT_HEAP_MB;
  const rows: (string | number)[][] = [
    ['check', 'inputs', 'accepted forgeries', 'non-401 answers', 'crashes', 'memory', 'verdict'],
    [
      'TokenService.verify',
      verify.inputs.toLocaleString('en'),
      verify.accepted.length,
      '-',
      verify.crashes.length,
      memoryLine(verify.memory),
      verify.accepted.length === 0 && verify.crashes.length === 0 && verifyFlat ? 'PASS' : 'FAIL',
    ],
  ];
  failed ||= rows[1]!.at(-1) === 'FAIL';
  const attenuatedOk =
    attenuated.accepted.length === 0 &&
    attenuated.unmetAccepted.length === 0 &&
    attenuated.crashes.length === 0 &&
    heapGrowthMb(attenuated.memory) < FLAT_HEAP_MB;
  failed ||= !attenuatedOk;
  rows.push([
    'TokenService.verify, attenuated',
    attenuated.inputs.toLocaleString('en'),
    attenuated.accepted.length + attenuated.unmetAccepted.length,
    '-',
    attenuated.crashes.length,
    memoryLine(attenuated.memory),
    attenuatedOk ? 'PASS' : 'FAIL',
  ]);
  for (const result of http) {
    const non401 = Object.entries(result.statuses)
      .filter(([status]) => status !== '401')
      .reduce((n, [, c]) => n + c, 0);
    const ok =
      result.accepted.length === 0 &&
      non401 === 0 &&
      result.crashes.length === 0 &&
      result.echoed === 0 &&
      result.controlStatus === 200 &&
      heapGrowthMb(result.memory) < FLAT_HEAP_MB;
    failed ||= !ok;
    rows.push([
      `HTTP guard, demo on ${result.adapter}`,
      result.requests.toLocaleString('en'),
      result.accepted.length,
      non401,
      result.crashes.length,
      memoryLine(result.memory),
      ok ? 'PASS' : 'FAIL',
    ]);
  }
  const keysOk = keys.accepted.length === 0 && keys.crashes.length === 0 && keys.refusedRandom.length === 0;
  failed ||= !keysOk;
  rows.push([
    'key texts and rings',
    keys.inputs.toLocaleString('en'),
    keys.accepted.length,
    '-',
    keys.crashes.length,
    '-',
    keysOk ? 'PASS' : 'FAIL',
  ]);
  console.log(table(rows));
  console.log();
  console.log(
    `key texts and rings: ${keys.inputs.toLocaleString('en')} inputs in ${keys.seconds.toFixed(1)} s; ` +
      `${keys.sameRing} mutations loaded as the ring they came from (whitespace, JSON spelling), ` +
      `${keys.accepted.length} as another; ` +
      `random keys refused by the randomness check: ${keys.refusedRandom.length}`,
  );
  console.log(
    table([
      ['key input kind', 'count'],
      ...Object.entries(keys.byKind).map(([kind, n]) => [kind, n.toLocaleString('en')]),
    ]),
  );
  console.log();
  for (const result of http) {
    console.log(
      `HTTP ${result.adapter}: statuses ${JSON.stringify(result.statuses)}, ${(result.requests / result.seconds).toFixed(0)} req/s, ` +
        `tokens echoed in a body: ${result.echoed}, valid token before/after the run: ${result.controlStatus}`,
    );
  }
  console.log(
    `slowest single verify: ${verify.slowestCallMs.toFixed(2)} ms (${verify.slowestKind}; includes any garbage collection pause)`,
  );
  console.log();

  console.log(`timing: ${timing.rounds} interleaved batches of ${timing.batch} verifies per input (ns per verify)`);
  console.log(
    table([
      ['input', 'median', 'q1', 'q3'],
      ...[timing.first, timing.last, timing.control].map((s) => [
        s.label,
        s.median.toFixed(0),
        s.q1.toFixed(0),
        s.q3.toFixed(0),
      ]),
    ]),
  );
  console.log(
    `first vs last byte: ${(timing.relativeDifference * 100).toFixed(2)} % apart (bound ${timing.bound * 100} %): ` +
      `${timing.indistinguishable ? 'indistinguishable' : 'DISTINGUISHABLE'}; ` +
      `the control is ${(timing.controlDifference * 100).toFixed(1)} % apart, so the method sees a real difference`,
  );
  // The timing verdict is reported, not failed on: it depends on the machine's noise.

  for (const finding of [
    ...verify.accepted,
    ...verify.crashes,
    ...keys.accepted,
    ...keys.crashes,
    ...keys.refusedRandom,
    ...http.flatMap((r) => [...r.accepted, ...r.crashes]),
  ].slice(0, 20)) {
    console.log(`finding: ${finding}`);
  }
  if (failed) {
    console.log(`\nFAIL (seed ${seed})`);
    process.exitCode = 1;
  }
}

await main();
