import type { Platform } from '../http/bench-app.constants.js';
import { countRequests, PLATFORMS, REQUEST_TARGETS, REQUESTS, routeLabel } from '../instructions.bench.js';
import { formatRatio, table } from '../support/markdown.js';

/**
 * The per-HTTP-request instruction counts alone, outside `npm run bench`: `node dist/bench/instructions/count-requests.js
 * [--platform fastify|express] [--warmup W] [--n N] [--maximum M]`. One callgrind app process per platform, in
 * turn; every route is warmed up with W requests (in rounds across the routes), then each is counted over n and
 * 2n requests, n chosen for about 25 million instructions, between N and M. The last column is the ratio the target for that row is checked against.
 */
const args = process.argv.slice(2);
const option = (flag: string) => {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const only = option('--platform');
if (only !== undefined && !PLATFORMS.includes(only as Platform)) {
  console.error('usage: count-requests.js [--platform fastify|express] [--warmup W] [--n N] [--maximum M]');
  process.exit(2);
}
const warmup = Number(option('--warmup') ?? REQUESTS.warmup);
const n = Number(option('--n') ?? REQUESTS.n);
// Never below n: perUnit counts at least `minimum` requests whatever the maximum.
const maximum = Math.max(n, Number(option('--maximum') ?? REQUESTS.maximum));
const format = (count: number) => Math.round(count).toLocaleString('en-US');

for (const platform of only === undefined ? PLATFORMS : [only as Platform]) {
  const counts = await countRequests(platform, { warmup, n, maximum });
  const of = (name: string) => counts.find((c) => c.name === name)!.perUnit;
  const unguarded = of('unguarded');
  const noop = of('allow-all');
  console.log(`\n### Per HTTP request, ${platform} (app process, main thread)\n`);
  console.log(
    table(
      ['route', 'instructions per request', 'vs unguarded', 'vs no-op guard', 'target ratio', 'n'],
      counts.map((c) => {
        const target = REQUEST_TARGETS.find((t) => t.row === c.name);
        const ratio = target && c.perUnit / of(target.base);
        return [
          routeLabel(c.name),
          format(c.perUnit),
          formatRatio(c.perUnit / unguarded),
          formatRatio(c.perUnit / noop),
          target ? `${formatRatio(ratio!)} of ${target.base} (<= ${formatRatio(target.limit)})` : '',
          String(c.iterations),
        ];
      }),
    ),
  );
  console.log('');
  for (const t of REQUEST_TARGETS) {
    const ratio = of(t.row) / of(t.base);
    console.log(
      `- ${platform}: TokenAuthGuard, ${t.text}: ${formatRatio(ratio)}, ${ratio <= t.limit ? 'pass' : 'FAIL'}`,
    );
  }
}
