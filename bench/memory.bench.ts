import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { MemoryReport } from './memory/verify-loop.main.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatBytes, table } from './support/markdown.js';
import { recordTarget } from './support/report.js';

const RSS_GROWTH_LIMIT = 20 * 1024 * 1024;
const CACHE_HEAP_LIMIT = 10 * 1024 * 1024;
/** The verified-token cache's default bound on entries (libs/token-auth/src/options/defaults.ts). */
const DEFAULT_CACHE_ENTRIES = 10_000;

async function verifyLoop(verifications: number, distinct: number): Promise<MemoryReport> {
  const child = fork(
    fileURLToPath(new URL('./memory/verify-loop.main.js', import.meta.url)),
    [String(verifications), String(distinct)],
    {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = once(child, 'exit');
  const [report] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => Promise.reject(new Error(`memory child exited with code ${code}`))),
  ])) as [MemoryReport];
  await exited;
  return report;
}

/**
 * RSS and heap of a fresh process over a pass over 100 000 distinct tokens and a million more verifications of
 * them: the verified-token cache fills to its default size and churns; nothing else may grow.
 */
export async function run({ quick }: BenchOptions): Promise<string> {
  const report = await verifyLoop(quick ? 20_000 : 1_000_000, quick ? 2_000 : 100_000);
  const { fresh, before, after } = report;
  const rssGrowth = after.rss - fresh.rss;
  const heapGrowth = after.heapUsed - fresh.heapUsed;
  const cached = Math.min(report.distinctTokens, DEFAULT_CACHE_ENTRIES);
  const count = (n: number) => n.toLocaleString('en-US');
  recordTarget({
    target: `RSS growth over ${count(report.verifications)} verifications of ${count(report.distinctTokens)} distinct tokens < 20 MB`,
    measured: formatBytes(rssGrowth),
    pass: rssGrowth < RSS_GROWTH_LIMIT,
    note:
      `from the fresh process, before any verification, through a warm-up of ${count(report.warmup)} calls and ` +
      `the ${count(report.verifications)} after it; over those alone: ${formatBytes(after.rss - before.rss)} ` +
      `(each tenth of them ${formatBytes(Math.min(...report.rssSteps))} to ` +
      `${formatBytes(Math.max(...report.rssSteps))}; see Memory)`,
  });
  recordTarget({
    target: 'the verified-token cache at its default size adds <= 10 MB',
    measured: formatBytes(heapGrowth),
    pass: heapGrowth <= CACHE_HEAP_LIMIT,
    note: `V8 heap used after the loop, over the fresh process: ${count(cached)} cached tokens, ${Math.round(heapGrowth / cached)} bytes each`,
  });
  const row = (name: string, key: keyof NodeJS.MemoryUsage) => [
    name,
    formatBytes(fresh[key]),
    formatBytes(before[key]),
    formatBytes(after[key]),
    formatBytes(before[key] - fresh[key]),
    formatBytes(after[key] - before[key]),
  ];
  return [
    '## Memory',
    '',
    `In a fresh process (\`node --expose-gc\`, \`bench/memory/verify-loop.main.ts\`), with the default options (the ` +
      `verified-token cache at its default size, 10 000 tokens): ${count(report.distinctTokens)} tokens issued ` +
      `("fresh"), a warm-up of one pass of \`TokenService.verify\` over them, each token twice in a row, then ` +
      `${count(report.verifications)} more calls alike ("loop"). Each reading follows two full GCs and a ` +
      '300 ms pause (V8 returns freed pages to the system from another thread). A token is cached on its second ' +
      'verification: the cache is full after the first 20 000 calls, and from then on every second call evicts one ' +
      'token and caches another. The warm-up is where the process ' +
      'reaches its working size: the cache fills, and V8 grows its young generation (heap total) under the ' +
      'allocation rate of a busy verifier, as it would under any workload. The loop shows whether anything keeps ' +
      'growing after that. The RSS target is checked from fresh to the end of the loop. Heap used over the same ' +
      `span is what the full cache holds: ${Math.round(heapGrowth / cached)} bytes per cached token (the cache ` +
      "counts each entry as 256 bytes plus three times the token's length toward `maxBytes`).",
    '',
    table(
      ['', 'fresh', 'after the warm-up', 'after the loop', 'warm-up', 'loop'],
      [
        row('RSS', 'rss'),
        row('V8 heap used', 'heapUsed'),
        row('V8 heap total', 'heapTotal'),
        row('external (Buffers)', 'external'),
      ],
    ),
    '',
    `RSS over "after the warm-up", at each tenth of the loop: ${report.rssSteps.map(formatBytes).join(', ')}.`,
  ].join('\n');
}
