import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  CPU_USAGE_REQUEST,
  ROUTES,
  type AppReady,
  type CpuUsageReply,
  type Platform,
  type RoutePath,
} from './http/bench-app.constants.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatRatio, table } from './support/markdown.js';
import { median } from './support/measure.js';
import { recordChart } from './support/report.js';

const PLATFORMS: Platform[] = ['fastify', 'express'];
const CONNECTIONS = 10;
/** Read before any pinning: once this process is pinned, it would see only its own cores. */
const CORES = availableParallelism();

interface Sample {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU time the app process spent per request, in microseconds: in JavaScript (user) and in the kernel. */
  userUs: number;
  systemUs: number;
}

interface App {
  child: ChildProcess;
  ready: AppReady;
}

async function startApp(platform: Platform): Promise<App> {
  const child = fork(fileURLToPath(new URL('./http/bench-app.main.js', import.meta.url)), [platform], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`${platform} app exited with code ${code}`))),
  ])) as [AppReady];
  return { child, ready: message };
}

async function stopApp({ child }: App): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function cpuUsage({ child }: App): Promise<NodeJS.CpuUsage> {
  const reply = once(child, 'message') as Promise<[CpuUsageReply]>;
  child.send(CPU_USAGE_REQUEST);
  return (await reply)[0].cpuUsage;
}

/**
 * Pins the app to the last core and this process (autocannon) to the others, so the two never take turns on one
 * core: the app is then the bottleneck, and its CPU per request decides throughput. Returns what to undo, or
 * undefined where `taskset` or a second core is missing (the run is then unpinned, and says so).
 */
function pin(app: App): (() => void) | undefined {
  const cores = CORES;
  if (cores < 2) return undefined;
  const taskset = (cpus: string, pid: number) =>
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
  try {
    taskset(String(cores - 1), app.child.pid!);
    taskset(`0-${cores - 2}`, process.pid);
  } catch {
    return undefined;
  }
  return () => taskset(`0-${cores - 1}`, process.pid);
}

async function load(app: App, route: RoutePath, duration: number): Promise<Sample> {
  // Routes that read no credentials get our token too: every request carries a header of the same size.
  const authorization = app.ready.authorization[route] ?? app.ready.authorization['token-auth'];
  const before = await cpuUsage(app);
  const result = await autocannon({
    url: `http://127.0.0.1:${app.ready.port}/${route}`,
    connections: CONNECTIONS,
    duration,
    headers: { authorization: authorization! },
  });
  // A route that answers 401 or fails would measure the error path: refuse to publish that.
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0 || result.requests.total === 0) {
    throw new Error(
      `/${route}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`,
    );
  }
  const after = await cpuUsage(app);
  const requests = result.requests.total;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    userUs: (after.user - before.user) / requests,
    systemUs: (after.system - before.system) / requests,
  };
}

/**
 * Throughput and latency through HTTP: one Nest app per platform, each in its own process, loaded by autocannon
 * from this process over loopback. Rounds interleave routes and platforms; figures are medians over rounds, and
 * ratios are taken against the unguarded route of the same round.
 */
export async function run({ quick }: BenchOptions): Promise<string> {
  const rounds = quick ? 1 : 7;
  const duration = quick ? 0.3 : 3;
  const apps = new Map<Platform, App>();
  const samples = new Map<string, Sample[]>();
  const unpin: Array<() => void> = [];
  let pinned = true;
  try {
    for (const platform of PLATFORMS) {
      const app = await startApp(platform);
      apps.set(platform, app);
      const undo = pin(app);
      if (undo) unpin.push(undo);
      else pinned = false;
    }
    if (!quick) {
      for (const platform of PLATFORMS) for (const { path } of ROUTES) await load(apps.get(platform)!, path, 1);
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < ROUTES.length; i++) {
        const { path } = ROUTES[(i + round) % ROUTES.length]!;
        for (const platform of round % 2 ? [...PLATFORMS].reverse() : PLATFORMS) {
          const key = `${platform} ${path}`;
          samples.set(key, [...(samples.get(key) ?? []), await load(apps.get(platform)!, path, duration)]);
        }
      }
    }
  } finally {
    unpin[0]?.();
    await Promise.all([...apps.values()].map(stopApp));
  }

  const sections: string[] = [
    '## Through HTTP',
    '',
    `autocannon ${CONNECTIONS} connections over loopback, ${rounds} rounds of ${duration} s per route` +
      `${quick ? '' : ' after a 1 s warm-up of each'}. Each platform's app runs in its own Node process ` +
      '(`bench/http/bench-app.main.ts`); autocannon runs in the runner process, on the same machine. ' +
      (pinned
        ? 'Each app is pinned to the last core and the runner to the others (`taskset`), so the load generator ' +
          'never takes CPU from the app: the app is the bottleneck, and its CPU time per request sets the req/s. '
        : '**This run is not pinned** (`taskset` or a second core is missing): the load generator and the app ' +
          'compete for CPU, which adds noise and caps the fastest routes at what autocannon can send. ') +
      'Every request carries an `Authorization` header: the credentials its route checks, and our token on the ' +
      'routes that check none, so the header costs every route alike and only the guard differs. ' +
      'Routes and platforms are interleaved; req/s, p50 and p99 are medians over rounds, and each ratio (to the ' +
      'unguarded route, or between our guard and an anchor) is the median of the ratios within each round. Every response was checked to be 2xx. ' +
      'Latencies are in whole milliseconds, as autocannon records them. The last two columns are the CPU time the ' +
      'app process spent per request (`process.cpuUsage()` before and after each run, over the requests served): ' +
      'user time is JavaScript, the framework, the guard and the handler; kernel time is mostly sending the response.',
  ];
  /** Median over rounds of one route's req/s divided by another's in the same round. */
  const ratio = (platform: Platform, route: RoutePath, base: RoutePath) => {
    const over = samples.get(`${platform} ${base}`)!;
    return median(samples.get(`${platform} ${route}`)!.map((s, i) => s.requestsPerSecond / over[i]!.requestsPerSecond));
  };
  /** Median app CPU time (user and kernel) per request of a route, in microseconds. */
  const cpuPerRequest = (platform: Platform, route: RoutePath) =>
    median(samples.get(`${platform} ${route}`)!.map((s) => s.userUs + s.systemUs));
  const ratios = new Map<string, number>();
  for (const platform of PLATFORMS) {
    const rows = ROUTES.map(({ path, label }) => {
      const route = samples.get(`${platform} ${path}`)!;
      ratios.set(`${platform} ${path}`, ratio(platform, path, 'unguarded'));
      return [
        label,
        median(route.map((s) => s.requestsPerSecond)).toFixed(0),
        `${median(route.map((s) => s.p50))} ms`,
        `${median(route.map((s) => s.p99))} ms`,
        formatRatio(ratios.get(`${platform} ${path}`)!),
        median(route.map((s) => s.userUs)).toFixed(1),
        median(route.map((s) => s.systemUs)).toFixed(1),
      ];
    });
    sections.push('', `### ${platform === 'fastify' ? 'Fastify' : 'Express'}`, '');
    sections.push(
      table(['route', 'req/s', 'p50', 'p99', 'vs unguarded', 'app CPU µs/req, user', 'app CPU µs/req, kernel'], rows),
    );
  }

  const added = (platform: Platform, route: RoutePath) =>
    cpuPerRequest(platform, route) - cpuPerRequest(platform, 'unguarded');
  sections.push(
    '',
    "What a guard adds to the app's CPU time per request, over the unguarded route (user + kernel, medians): " +
      PLATFORMS.map(
        (platform) =>
          `${platform === 'fastify' ? 'Fastify' : 'Express'}: one createHmac ${added(platform, 'hmac-floor').toFixed(1)} µs, ` +
          `the bare verify ${added(platform, 'bare-verify').toFixed(1)} µs, ` +
          `TokenAuthGuard ${added(platform, 'token-auth').toFixed(1)} µs`,
      ).join('; ') +
      '. Between requests, with caches shared with the framework and the network stack, an HMAC costs several ' +
      'times what it costs in the tight loop of the per-operation table; a guard is bounded by that cost, not by ' +
      'the loop figure.',
  );
  recordChart({
    title: 'Throughput through HTTP, relative to the unguarded route (higher is better)',
    format: 'ratio',
    log: false,
    bars: PLATFORMS.flatMap((platform) =>
      ROUTES.filter(({ path }) => path !== 'unguarded').map(({ path, label }) => ({
        label: `${platform}: ${label}`,
        value: ratios.get(`${platform} ${path}`)!,
        ours: path === 'token-auth',
      })),
    ),
  });
  return sections.join('\n');
}
