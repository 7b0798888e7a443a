import { fileURLToPath } from 'node:url';
import type { AppReady, Platform } from '../http/bench-app.constants.js';
import { CallgrindProcess, perUnit } from './callgrind.js';
import { sendRequests } from './http-requests.js';
import { formatRatio, table } from '../support/markdown.js';

/**
 * Issue 26's figures, per HTTP request in the benchmark app's process: the TokenAuthGuard route (warm tokens) and
 * the no-op guard route, with the module's metrics off (no meter provider, no subscriber: the default) and on (the
 * demo's set-up: a MeterProvider with the Prometheus exporter as reader). Same method as count-requests.ts: every
 * route warmed up in rounds, then 3 pairs of counts (n and 2n requests) per route and the median of the
 * differences. With metrics on, also what one scrape (collect and serialize) costs.
 *
 * `node dist/bench/instructions/count-metrics.js [--platform fastify|express] [--modes off,on] [--warmup W] [--n N]`
 */
const args = process.argv.slice(2);
const option = (flag: string) => {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const platforms = (option('--platform')?.split(',') ?? ['fastify', 'express']) as Platform[];
const modes = option('--modes')?.split(',') ?? ['off', 'on'];
const warmup = Number(option('--warmup') ?? 6000);
const n = Number(option('--n') ?? 100);
const maximum = Number(option('--maximum') ?? 400);
const ROUTES = ['allow-all', 'token-auth'] as const;
const ROUND = 100;
const script = fileURLToPath(new URL('../http/bench-app.main.js', import.meta.url));
const format = (count: number) => Math.round(count).toLocaleString('en-US');

const rows: string[][] = [];
for (const platform of platforms) {
  const perMode = new Map<string, Map<string, number>>();
  for (const mode of modes) {
    const { process: app, ready } = await CallgrindProcess.start(script, [
      platform,
      ...(mode === 'on' ? ['--metrics'] : []),
    ]);
    const { port, authorization } = ready as AppReady;
    const header = () => authorization['token-auth']!;
    const counts = new Map<string, number>();
    try {
      for (let sent = 0; sent < warmup; sent += ROUND) {
        for (const route of ROUTES) await sendRequests(port, `/${route}`, ROUND, header);
      }
      for (const route of ROUTES) {
        const run = (units: number) => sendRequests(port, `/${route}`, units, header);
        const counted = await perUnit(app, run, { warmup: n, minimum: n, maximum, repeats: 3 });
        counts.set(route, counted.perUnit);
        console.log(
          `bench: metrics ${mode}: ${platform} /${route}: ${format(counted.perUnit)} (spread ${formatRatio(counted.spread)})`,
        );
      }
      if (mode === 'on') {
        const scrape = async (times: number) => {
          for (let i = 0; i < times; i++) await app.ask<{ scopes: number }>({ scrape: true });
        };
        for (let i = 0; i < 20; i++) await scrape(1);
        const counted = await perUnit(app, scrape, { warmup: 10, minimum: 10, maximum: 10, repeats: 3 });
        counts.set('scrape', counted.perUnit);
        console.log(`bench: metrics on: ${platform}: one scrape (with its IPC): ${format(counted.perUnit)}`);
      }
    } finally {
      await app.stop();
    }
    perMode.set(mode, counts);
  }
  for (const route of ROUTES) {
    const off = perMode.get('off')?.get(route);
    const on = perMode.get('on')?.get(route);
    rows.push([
      platform,
      route,
      off === undefined ? '' : format(off),
      on === undefined ? '' : format(on),
      off !== undefined && on !== undefined ? formatRatio(on / off) : '',
    ]);
  }
  const scrape = perMode.get('on')?.get('scrape');
  if (scrape !== undefined) rows.push([platform, 'one scrape (collect + serialize, with IPC)', '', format(scrape), '']);
}
console.log('');
console.log(table(['platform', 'route', 'metrics off', 'metrics on', 'on / off'], rows));
