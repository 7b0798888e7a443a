import { fileURLToPath } from 'node:url';
import { ROUTES, type AppReady, type FreshTokensReply, type Platform, type RoutePath } from './http/bench-app.constants.js';
import { CallgrindProcess, perUnit, valgrindVersion } from './instructions/callgrind.js';
import { sendRequests } from './instructions/http-requests.js';
import type { CountRequest } from './instructions/ops-counter.main.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatRatio, table } from './support/markdown.js';
import { BARE_ISSUE, BARE_VERIFY, FAST_JWT_CACHE, FLOOR, ISSUE, VERIFY, VERIFY_COLD } from './support/operations.js';
import { recordTarget } from './support/report.js';

const PLATFORMS: Platform[] = ['fastify', 'express'];
/** The TokenAuthGuard route again, each request with a token the app has never seen. */
const NEW_TOKENS = 'token-auth, every token new';
/** Routes whose guard costs milliseconds per request under callgrind: a few requests suffice. */
const SLOW_ROUTES: readonly RoutePath[] = ['nestjs-jwt', 'passport-jwt'];

interface Count {
  name: string;
  iterations: number;
  perUnit: number;
}

const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

/** In-process operations: one callgrind process, each operation warmed up with n calls, then n and 2n. */
async function countOperations(n: number, maximum: number): Promise<Count[]> {
  const { process: counter, ready } = await CallgrindProcess.start(script('./instructions/ops-counter.main.js'), []);
  const counts: Count[] = [];
  try {
    for (const { name, slow } of (ready as { operations: { name: string; slow?: boolean }[] }).operations) {
      const run = (units: number) => counter.ask<unknown>({ operation: name, iterations: units } satisfies CountRequest).then(() => {});
      const counted = await perUnit(counter, run, { warmup: slow ? 10 : n, minimum: slow ? 10 : n, maximum });
      counts.push({ name, iterations: counted.n, ...counted });
      console.log(`bench: instructions: ${name}: ${formatCount(counts.at(-1)!.perUnit)}`);
    }
  } finally {
    await counter.stop();
  }
  return counts;
}

/** Per request, in the app process: one callgrind process per platform, each route warmed up, then n and 2n requests. */
async function countRequests(platform: Platform, n: number, maximum: number): Promise<Count[]> {
  const { process: app, ready } = await CallgrindProcess.start(script('./http/bench-app.main.js'), [platform]);
  const { port, authorization } = ready as AppReady;
  const counts: Count[] = [];
  try {
    const routes = [
      ...ROUTES.filter(({ path }) => path !== 'basic-bcrypt').map(({ path }) => path as string),
      NEW_TOKENS,
    ];
    for (const route of routes) {
      const path = route === NEW_TOKENS ? 'token-auth' : (route as RoutePath);
      const slow = SLOW_ROUTES.includes(path);
      const limits = { warmup: slow ? 5 : n, minimum: slow ? 5 : n, maximum: slow ? Math.min(20, maximum) : maximum };
      let header: (i: number) => string;
      if (route === NEW_TOKENS) {
        // Enough for the warm-up and two pairs at the largest n.
        const { tokens } = await app.ask<FreshTokensReply>({ freshTokens: limits.warmup + 6 * limits.maximum });
        let next = 0;
        header = () => `Bearer ${tokens[next++]!}`;
      } else {
        const fixed = authorization[path] ?? authorization['token-auth']!;
        header = () => fixed;
      }
      const run = (units: number) => sendRequests(port, `/${path}`, units, header);
      const counted = await perUnit(app, run, limits);
      counts.push({ name: route, iterations: counted.n, ...counted });
      console.log(`bench: instructions: ${platform} /${route}: ${formatCount(counts.at(-1)!.perUnit)}`);
    }
  } finally {
    await app.stop();
  }
  return counts;
}

function target(name: string, measured: number, limit: number, note?: string): void {
  recordTarget({ target: name, measured: formatRatio(measured), pass: measured <= limit, note });
}

/**
 * Instructions per operation and per HTTP request, counted by callgrind: the figures the targets are checked
 * against, since they repeat within a few percent on a busy machine where wall-clock ratios do not.
 */
export async function run({ quick, instructions = true }: BenchOptions): Promise<string> {
  if (!instructions) {
    return [
      '## Instructions per operation (callgrind)',
      '',
      '**Not measured in this run** (`--no-instructions`): the targets checked against instruction counts are missing.',
    ].join('\n');
  }
  const version = valgrindVersion();
  if (version === undefined) {
    console.log('bench: instructions: valgrind (callgrind) is not installed; instruction counts skipped');
    return [
      '## Instructions per operation (callgrind)',
      '',
      '**Not measured in this run: valgrind is not installed** (`apt-get install valgrind`). The targets below ' +
        'are checked against instruction counts and are missing from this run.',
    ].join('\n');
  }
  const n = quick ? 20 : 200;
  const requests = quick ? 20 : 100;
  const ops = await countOperations(n, quick ? 50 : 20_000);
  const http = new Map<Platform, Count[]>();
  for (const platform of PLATFORMS) http.set(platform, await countRequests(platform, requests, quick ? 20 : 400));

  const op = (name: string) => ops.find((c) => c.name === name)!.perUnit;
  const floor = op(FLOOR);
  target('warm verify (a token verified before) <= 0.5x one HMAC', op(VERIFY) / floor, 0.5, `${formatCount(op(VERIFY))} instructions; one HMAC ${formatCount(floor)}`);
  recordTarget({
    target: 'warm verify below fast-jwt with its cache',
    measured: `${formatCount(op(VERIFY))} vs ${formatCount(op(FAST_JWT_CACHE))}`,
    pass: op(VERIFY) < op(FAST_JWT_CACHE),
  });
  for (const suffix of ['', ' (no claims)']) {
    target(`cold verify${suffix} <= 1.25x the bare verify`, op(VERIFY_COLD + suffix) / op(BARE_VERIFY), 1.25,
      `${formatCount(op(VERIFY_COLD + suffix))} vs ${formatCount(op(BARE_VERIFY))}`);
  }
  target('issue <= 1.25x the bare issue', op(ISSUE) / op(BARE_ISSUE), 1.25, `${formatCount(op(ISSUE))} vs ${formatCount(op(BARE_ISSUE))}`);
  target('issue (no claims) <= 1.25x the bare issue', op(`${ISSUE} (no claims)`) / op(`${BARE_ISSUE}, no claims`), 1.25,
    `${formatCount(op(`${ISSUE} (no claims)`))} vs ${formatCount(op(`${BARE_ISSUE}, no claims`))}`);
  for (const platform of PLATFORMS) {
    const route = (name: string) => http.get(platform)!.find((c) => c.name === name)!.perUnit;
    target(`${platform}: TokenAuthGuard, warm tokens <= 1.05x the no-op guard route`, route('token-auth') / route('allow-all'), 1.05,
      `${formatCount(route('token-auth'))} vs ${formatCount(route('allow-all'))} instructions per request`);
    target(`${platform}: TokenAuthGuard, every token new <= 1.10x the bare-verify guard route`, route(NEW_TOKENS) / route('bare-verify'), 1.10,
      `${formatCount(route(NEW_TOKENS))} vs ${formatCount(route('bare-verify'))} instructions per request`);
  }

  const label = (name: string) => (name === NEW_TOKENS ? 'TokenAuthGuard, every token new' : ROUTES.find((r) => r.path === name)?.label ?? name);
  return [
    '## Instructions per operation (callgrind)',
    '',
    `\`${version}\`, \`valgrind --tool=callgrind --dump-instr=no --trace-children=no\`, started by the bench ` +
      '(`bench/instructions.bench.ts`). Each figure is the difference of two counts in one warm process: after a ' +
      'warm-up of n calls, a full GC (`--expose-gc`), `callgrind_control --dump`, n calls, dump; a full GC, dump, ' +
      '2n calls, dump; (count of 2n - count of n) / n. Start-up, JIT warm-up and what the process does besides the ' +
      'calls (IPC, the dumps) cancel out, and no collection owed by earlier work lands in a count; the collections ' +
      'the calls themselves cause are in. n is chosen per operation so that n calls take about 25 million ' +
      `instructions (counted once after a warm-up of ${n} calls, or ${requests} requests), between ${n} and 20 000 ` +
      `calls and between ${requests} and 400 requests (5 to 20 for the two string-secret routes, which cost ` +
      'milliseconds a request under callgrind, about 50 times slower than native): the n column. One such pair ' +
      'per figure (`test/bench/instructions-smoke.e2e-spec.ts` checks that the method counts twice the work as twice ' +
      'the instructions). Counts are user-space instructions ' +
      'of every thread of the process (callgrind sums threads unless told to separate them), so work handed to ' +
      'V8\'s background threads (concurrent GC, compilation) is in. Password hashing is left out (seconds a call).',
    '',
    '### In process',
    '',
    table(
      ['operation', 'instructions per call', 'vs one HMAC', 'n'],
      ops.map((c) => [c.name, formatCount(c.perUnit), formatRatio(c.perUnit / floor), String(c.iterations)]),
    ),
    '',
    ...PLATFORMS.flatMap((platform) => {
      const counts = http.get(platform)!;
      const base = counts.find((c) => c.name === 'unguarded')!.perUnit;
      return [
        `### Per HTTP request, ${platform === 'fastify' ? 'Fastify' : 'Express'} (app process, all threads)`,
        '',
        table(
          ['route', 'instructions per request', 'vs unguarded', 'added over unguarded', 'n'],
          counts.map((c) => [label(c.name), formatCount(c.perUnit), formatRatio(c.perUnit / base), formatCount(c.perUnit - base), String(c.iterations)]),
        ),
        '',
      ];
    }),
  ].join('\n');
}
