import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { MemoryReport } from './memory/verify-loop.main.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatBytes, table } from './support/markdown.js';
import { recordTarget } from './support/report.js';

const RSS_GROWTH_LIMIT = 10 * 1024 * 1024;

async function verifyLoop(verifications: number): Promise<MemoryReport> {
  const child = fork(fileURLToPath(new URL('./memory/verify-loop.main.js', import.meta.url)), [String(verifications)], {
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

/** RSS and heap of a fresh process before and after a million verifications: must stay flat. */
export async function run({ quick }: BenchOptions): Promise<string> {
  const report = await verifyLoop(quick ? 20_000 : 1_000_000);
  const { before, after } = report;
  const rssGrowth = after.rss - before.rss;
  recordTarget({
    target: `RSS growth over ${report.verifications.toLocaleString('en-US')} verifications < 10 MB`,
    measured: formatBytes(rssGrowth),
    pass: rssGrowth < RSS_GROWTH_LIMIT,
  });
  const row = (name: string, b: number, a: number) => [name, formatBytes(b), formatBytes(a), formatBytes(a - b)];
  return [
    '## Memory',
    '',
    `${report.verifications.toLocaleString('en-US')} calls of \`TokenService.verify\` on one token in a fresh ` +
      `process (\`node --expose-gc\`, \`bench/memory/verify-loop.main.ts\`), in ${report.seconds.toFixed(1)} s; ` +
      'each reading follows two full GCs.',
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
