import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { MemoryReport } from './memory/verify-loop.main.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatBytes, table } from './support/markdown.js';
import { recordTarget } from './support/report.js';

const RSS_GROWTH_LIMIT = 20 * 1024 * 1024;
const CACHE_HEAP_LIMIT = 10 * 1024 * 1024;
/** The verified-token cache's default bound on entries (libs/token-auth/src/cache/verify-cache-options.ts). */
const DEFAULT_CACHE_ENTRIES = 10_000;

async function verifyLoop(verifications: number, distinct: number): Promise<MemoryReport> {
  const child = fork(fileURLToPath(new URL('./memory/verify-loop.main.js', import.meta.url)), [String(verifications), String(distinct)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [report] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => Promise.reject(new Error(`memory child exited with code ${code}`))),
  ])) as [MemoryReport];
  await exited;
  return report;
}

/**
 * RSS and heap of a fresh process before and after a million verifications of 100 000 distinct tokens: the
 * verified-token cache fills to its default size and churns; nothing else may grow.
 */
export async function run({ quick }: BenchOptions): Promise<string> {
  const report = await verifyLoop(quick ? 20_000 : 1_000_000, quick ? 2_000 : 100_000);
  const { before, after } = report;
  const rssGrowth = after.rss - before.rss;
  const heapGrowth = after.heapUsed - before.heapUsed;
  const cached = Math.min(report.distinctTokens, DEFAULT_CACHE_ENTRIES);
  const count = (n: number) => n.toLocaleString('en-US');
  recordTarget({
    target: `RSS growth over ${count(report.verifications)} verifications of ${count(report.distinctTokens)} distinct tokens < 20 MB`,
    measured: formatBytes(rssGrowth),
    pass: rssGrowth < RSS_GROWTH_LIMIT,
  });
  recordTarget({
    target: 'the verified-token cache at its default size adds <= 10 MB',
    measured: formatBytes(heapGrowth),
    pass: heapGrowth <= CACHE_HEAP_LIMIT,
    note: `V8 heap used after the loop, over before: ${count(cached)} cached tokens, ${Math.round(heapGrowth / cached)} bytes each`,
  });
  const row = (name: string, b: number, a: number) => [name, formatBytes(b), formatBytes(a), formatBytes(a - b)];
  return [
    '## Memory',
    '',
    `${count(report.verifications)} calls of \`TokenService.verify\`, round robin over ${count(report.distinctTokens)} ` +
      'distinct tokens, with the default options (the verified-token cache at its default size, 10 000 tokens), in a ' +
      `fresh process (\`node --expose-gc\`, \`bench/memory/verify-loop.main.ts\`), in ${report.seconds.toFixed(1)} s. ` +
      '"Before" is read once every token is issued and none verified, "after" once the loop ends; each reading ' +
      'follows two full GCs. The cache is full after the first 10 000 calls and every later call evicts one token ' +
      'and caches another, so the growth is the full cache plus anything verification leaks. ' +
      `Heap per cached token: ${Math.round(heapGrowth / cached)} bytes (the cache counts each entry as 256 bytes plus ` +
      'three times the token\'s length toward `maxBytes`).',
    '',
    table(
      ['', 'before', 'after', 'growth'],
      [
        row('RSS', before.rss, after.rss),
        row('V8 heap used', before.heapUsed, after.heapUsed),
        row('V8 heap total', before.heapTotal, after.heapTotal),
        row('external (Buffers)', before.external, after.external),
      ],
    ),
  ].join('\n');
}
