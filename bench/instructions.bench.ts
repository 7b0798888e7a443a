import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ROUTES,
  type AppReady,
  type FreshTokensReply,
  type Platform,
  type RoutePath,
} from './http/bench-app.constants.js';
import { CallgrindProcess, perUnit, valgrindVersion } from './instructions/callgrind.js';
import { sendRequests } from './instructions/http-requests.js';
import type { CountRequest } from './instructions/ops-counter.main.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatRatio, table } from './support/markdown.js';
import {
  BARE_ISSUE,
  BARE_VERIFY,
  COUNTED_OPERATIONS,
  FAST_JWT_CACHE,
  FLOOR,
  ISSUE,
  REFUSALS,
  REFUSE_FORGED,
  REFUSE_MALFORMED,
  REFUSE_UNKNOWN_KEY,
  SLOW_TO_COUNT,
  VERIFY,
  VERIFY_COLD,
  VERIFY_COLD_TWICE,
} from './support/operations.js';
import { recordTarget } from './support/report.js';

export const PLATFORMS: Platform[] = ['fastify', 'express'];
/** The TokenAuthGuard route again, each request with a token the app has never seen. */
export const NEW_TOKENS = 'token-auth, every token new';
/** Routes whose guard costs milliseconds per request under callgrind: a few requests suffice. */
const SLOW_ROUTES: readonly RoutePath[] = ['nestjs-jwt', 'passport-jwt'];

export interface Count {
  name: string;
  iterations: number;
  perUnit: number;
}

const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Calls per in-process count: n, then 2n, after a warm-up of n, in one process (fewer for the slow ones; more for
 * the cold verifies and the refusals, whose tokens, errors and (verified twice) cache entries are collected by major
 * GCs, and a count must be long enough to hold several of them for their share to come out per call).
 */
export const OPERATION_CALLS = { n: 20_000, churn: 100_000, slow: 200, quick: 20 } as const;
const CACHE_CHURN: readonly string[] = [VERIFY_COLD, `${VERIFY_COLD} (no claims)`, VERIFY_COLD_TWICE, ...REFUSALS];
/** Counting processes run at a time: callgrind is single-threaded per process, the figures do not depend on load. */
const PARALLEL = 2;

/**
 * One in-process operation in a callgrind process of its own (only its group of the operations loaded): a warm-up
 * of n calls, then a count of n calls and one of 2n, each after a scavenge and a pause (`settle`); the difference
 * divided by n.
 */
export async function countOperation(name: string, n: number, keepDumpsIn?: string): Promise<Count> {
  const { process: counter } = await CallgrindProcess.start(script('./instructions/ops-counter.main.js'), [name]);
  try {
    const run = (iterations: number) => counter.ask<unknown>({ iterations } satisfies CountRequest).then(() => {});
    const counted = await perUnit(counter, run, { warmup: n, minimum: n, maximum: n });
    if (keepDumpsIn !== undefined) counter.copyDumps(keepDumpsIn);
    return { name, iterations: counted.n, perUnit: counted.perUnit };
  } finally {
    await counter.stop();
  }
}

/**
 * The counted operations (all, or those named), each `repeats` times in fresh processes, PARALLEL processes at a
 * time; with `keepDumpsIn`, each process's dump files are copied into a folder of that directory.
 */
export async function countOperations(
  quick: boolean,
  {
    repeats = 1,
    names = COUNTED_OPERATIONS,
    keepDumpsIn,
  }: { repeats?: number; names?: readonly string[]; keepDumpsIn?: string } = {},
): Promise<Count[][]> {
  const jobs = Array.from({ length: repeats }, (_, repeat) => names.map((name) => ({ name, repeat }))).flat();
  const counts: Count[][] = Array.from({ length: repeats }, () => []);
  let next = 0;
  const worker = async () => {
    for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
      const n = quick
        ? OPERATION_CALLS.quick
        : SLOW_TO_COUNT.includes(job.name)
          ? OPERATION_CALLS.slow
          : CACHE_CHURN.includes(job.name)
            ? OPERATION_CALLS.churn
            : OPERATION_CALLS.n;
      const keep = keepDumpsIn && join(keepDumpsIn, `${job.name.replace(/[^a-z0-9]+/gi, '-')}.${job.repeat}.${next}`);
      const count = await countOperation(job.name, n, keep);
      counts[job.repeat]!.push(count);
      console.log(`bench: instructions: ${job.name}: ${formatCount(count.perUnit)}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  for (const list of counts)
    list.sort((a, b) => COUNTED_OPERATIONS.indexOf(a.name) - COUNTED_OPERATIONS.indexOf(b.name));
  return counts;
}

/**
 * Requests per count: every route warmed up with `warmup` requests first (V8 keeps optimizing the framework's
 * functions for the first few thousand requests, and for the mix of routes; a small function called once per
 * request, such as a guard's, tiers up from Sparkplug code to optimized code only after a few thousand calls:
 * after 3 000, two of TokenAuthGuard's were still in Sparkplug code), then per route a warm-up of n and counts of
 * n and 2n, n chosen for about 25 million instructions, at least `n`, at most `maximum`.
 */
export const REQUESTS = { warmup: 6000, n: 100, maximum: 400, quick: 20 } as const;
/**
 * Pairs of counts per route, the median taken: a scavenge or a step of the old generation's marking, hundreds of
 * thousands of instructions, lands in one count of a pair or the other, and moved single figures by 3 to 5 %.
 */
const REQUEST_REPEATS = 3;
/** Requests per route per round of the common warm-up. */
const WARMUP_ROUND = 100;

/** Issue 15's targets per HTTP request: the route's count over the base route's, at most the limit. */
export const REQUEST_TARGETS = [
  { row: 'token-auth', base: 'allow-all', limit: 1.05, text: 'warm tokens <= 1.05x the no-op guard route' },
  { row: NEW_TOKENS, base: 'bare-verify', limit: 1.1, text: 'every token new <= 1.10x the bare-verify guard route' },
] as const;

/** A counted route as the tables name it. */
export function routeLabel(name: string): string {
  return name === NEW_TOKENS ? 'TokenAuthGuard, every token new' : (ROUTES.find((r) => r.path === name)?.label ?? name);
}

/** Per request, in the app process: one callgrind process per platform, every route warmed up, then each counted. */
export async function countRequests(
  platform: Platform,
  { warmup, n, maximum }: { warmup: number; n: number; maximum: number },
): Promise<Count[]> {
  const { process: app, ready } = await CallgrindProcess.start(script('./http/bench-app.main.js'), [platform]);
  const { port, authorization } = ready as AppReady;
  const counts: Count[] = [];
  try {
    const routes = [
      ...ROUTES.filter(({ path }) => path !== 'basic-bcrypt').map(({ path }) => path as string),
      NEW_TOKENS,
    ];
    const plans = await Promise.all(
      routes.map(async (route) => {
        const path = route === NEW_TOKENS ? 'token-auth' : (route as RoutePath);
        const slow = SLOW_ROUTES.includes(path);
        const limits = { warmup: slow ? 5 : n, minimum: slow ? 5 : n, maximum: slow ? Math.min(20, maximum) : maximum };
        let header: (i: number) => string;
        if (route === NEW_TOKENS) {
          // Enough for the common warm-up, the route's own and the n and 2n counts at the largest n, with room to spare.
          const { tokens } = await app.ask<FreshTokensReply>({
            freshTokens: warmup + limits.warmup + 6 * limits.maximum,
          });
          let next = 0;
          header = () => `Bearer ${tokens[next++]!}`;
        } else {
          const fixed = authorization[path] ?? authorization['token-auth']!;
          header = () => fixed;
        }
        return { route, path, slow, limits, header };
      }),
    );
    // Every route in turn, a round at a time: the code shared by all routes is optimized for all of them before
    // any is counted, so the first route counted does not pay the process's warm-up. The new-tokens route is the
    // TokenAuthGuard route with new tokens: its own warm-up runs the verification of a token not seen before.
    for (let sent = 0; sent < warmup; sent += WARMUP_ROUND) {
      for (const { path, slow, header } of plans) {
        if (!slow) await sendRequests(port, `/${path}`, Math.min(WARMUP_ROUND, warmup - sent), header);
      }
    }
    for (const { route, path, limits, header } of plans) {
      const run = (units: number) => sendRequests(port, `/${path}`, units, header);
      const counted = await perUnit(app, run, { ...limits, repeats: REQUEST_REPEATS });
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
  const [ops] = (await countOperations(quick)) as [Count[]];
  const http = new Map<Platform, Count[]>();
  const limits = quick ? { warmup: REQUESTS.quick, n: REQUESTS.quick, maximum: REQUESTS.quick } : REQUESTS;
  for (const platform of PLATFORMS) http.set(platform, await countRequests(platform, limits));

  const op = (name: string) => ops.find((c) => c.name === name)!.perUnit;
  const floor = op(FLOOR);
  target(
    'warm verify (a token the cache holds) <= 0.5x one HMAC',
    op(VERIFY) / floor,
    0.5,
    `${formatCount(op(VERIFY))} instructions; one HMAC ${formatCount(floor)}`,
  );
  recordTarget({
    target: 'warm verify below fast-jwt with its cache',
    measured: `${formatCount(op(VERIFY))} vs ${formatCount(op(FAST_JWT_CACHE))}`,
    pass: op(VERIFY) < op(FAST_JWT_CACHE),
  });
  for (const suffix of ['', ' (no claims)']) {
    target(
      `cold verify${suffix} <= 1.25x the bare verify`,
      op(VERIFY_COLD + suffix) / op(BARE_VERIFY),
      1.25,
      `${formatCount(op(VERIFY_COLD + suffix))} vs ${formatCount(op(BARE_VERIFY))}`,
    );
  }
  // Issue 23: a refused token costs the server no more than a token's first verification.
  for (const [name, what] of [
    [REFUSE_FORGED, 'a forged token (a random tag)'],
    [REFUSE_UNKNOWN_KEY, 'a token of a key not in the ring'],
    [REFUSE_MALFORMED, 'a malformed token'],
  ] as const) {
    target(
      `refusing ${what} <= 1.00x a token's first verification`,
      op(name) / op(VERIFY_COLD),
      1,
      `${formatCount(op(name))} vs ${formatCount(op(VERIFY_COLD))}`,
    );
  }
  // The verified-token cache takes a token on its second verification: what that one costs beyond the first.
  const secondVerification = op(VERIFY_COLD_TWICE) - op(VERIFY_COLD);
  target(
    'issue <= 1.25x the bare issue',
    op(ISSUE) / op(BARE_ISSUE),
    1.25,
    `${formatCount(op(ISSUE))} vs ${formatCount(op(BARE_ISSUE))}`,
  );
  target(
    'issue (no claims) <= 1.25x the bare issue',
    op(`${ISSUE} (no claims)`) / op(`${BARE_ISSUE}, no claims`),
    1.25,
    `${formatCount(op(`${ISSUE} (no claims)`))} vs ${formatCount(op(`${BARE_ISSUE}, no claims`))}`,
  );
  for (const platform of PLATFORMS) {
    const route = (name: string) => http.get(platform)!.find((c) => c.name === name)!.perUnit;
    for (const { row, base, limit, text } of REQUEST_TARGETS) {
      target(
        `${platform}: TokenAuthGuard, ${text}`,
        route(row) / route(base),
        limit,
        `${formatCount(route(row))} vs ${formatCount(route(base))} instructions per request`,
      );
    }
  }

  return [
    '## Instructions per operation (callgrind)',
    '',
    `\`${version}\`, \`valgrind --tool=callgrind --dump-instr=no --trace-children=no --separate-threads=yes\`, ` +
      'started by the bench (`bench/instructions.bench.ts`, `bench/instructions/callgrind.ts`), node with ' +
      '`--expose-gc --no-memory-reducer --single-threaded-gc`. **What is counted**: the user-space instructions of ' +
      'the main thread. With `--single-threaded-gc` every garbage collection runs there, so the collections the ' +
      "calls cause are in; what runs elsewhere is V8's optimizing compiler, a one-off per function that lands in " +
      'whichever count is running when it does (counted in, it moved counts of the same work by up to a tenth), ' +
      'and idle platform threads. The memory reducer is off because it starts collections on a wall-clock timer. ' +
      '**Each figure** is the difference of two counts in one warm process: after a warm-up, a scavenge and a ' +
      'pause, `callgrind_control --dump`, n calls, dump; the same again with 2n calls; (count of 2n - count of n) ' +
      '/ n. Start-up, JIT warm-up and what the process does besides the calls (IPC, the dumps) cancel out. The ' +
      'pause before a count is a scavenge, not a full GC: a full GC clears the weak references optimized code holds, ' +
      "and V8 then threw away the optimized code of the functions under count (node:crypto's `Hmac` among them) " +
      'before every count. **In process**: each operation in a process of its own, with only what it needs ' +
      '(`bench/instructions/ops-counter.main.ts`: the floor and the bare format load node:crypto, our operations ' +
      'one Nest context, each peer only its library), so no other heap is collected during its counts; warm-up ' +
      `n calls, n = ${OPERATION_CALLS.n} (${OPERATION_CALLS.slow} for the string-secret \`@nestjs/jwt\` verify, ` +
      `which creates a KeyObject per call; ${OPERATION_CALLS.churn} for the cold verifies and the refusals, so that ` +
      'the major GCs collecting their garbage (and, verified twice, what the cache evicts) fall in each count in ' +
      'proportion; a refusal is counted with its error caught), ' +
      'two processes at a time. `node dist/bench/instructions/count-operations.js --repeats 2` counts each ' +
      'operation twice, in fresh processes, to show how close two counts come. **Per HTTP request**: one app ' +
      `process per platform; every route is first warmed up with ${limits.warmup} requests, in rounds of ` +
      `${WARMUP_ROUND} across the routes (V8 keeps optimizing the framework for the first few thousand, and a ` +
      "guard's small functions for longer), the every-token-new route with new tokens, then each is counted in " +
      `turn, ${REQUEST_REPEATS} pairs of counts and the median; n chosen per route so that n requests take about 25 million ` +
      `instructions, between ${limits.n} and ${limits.maximum} requests (5 to 20 for the two string-secret ` +
      'routes, which cost milliseconds a request under callgrind): the n column; ' +
      '`node dist/bench/instructions/count-requests.js [--platform fastify|express]` counts them alone. ' +
      '`test/bench/instructions-smoke.e2e-spec.ts` checks that the method counts twice the work as twice the ' +
      'instructions, and that two processes counting the same work agree. Password hashing is left out (seconds a call).',
    '',
    '### In process',
    '',
    table(
      ['operation', 'instructions per call', 'vs one HMAC', 'n'],
      ops.map((c) => [c.name, formatCount(c.perUnit), formatRatio(c.perUnit / floor), String(c.iterations)]),
    ),
    '',
    `A new token's second verification, which caches it: ${formatCount(secondVerification)} ` +
      `instructions (${formatRatio(secondVerification / op(BARE_VERIFY))} the bare verify), ` +
      'the twice-in-a-row row less the every-token-new row.',
    '',
    "Refusals against a token's first verification (the every-token-new row): " +
      REFUSALS.map(
        (name) => `${name.replace('TokenService.verify refusing ', '')} ${formatRatio(op(name) / op(VERIFY_COLD))}`,
      ).join('; ') +
      '. Each refusal throws a `TokenAuthError`, caught by the counting loop.',
    '',
    ...PLATFORMS.flatMap((platform) => {
      const counts = http.get(platform)!;
      const base = counts.find((c) => c.name === 'unguarded')!.perUnit;
      return [
        `### Per HTTP request, ${platform === 'fastify' ? 'Fastify' : 'Express'} (app process, main thread)`,
        '',
        table(
          ['route', 'instructions per request', 'vs unguarded', 'added over unguarded', 'n'],
          counts.map((c) => [
            routeLabel(c.name),
            formatCount(c.perUnit),
            formatRatio(c.perUnit / base),
            formatCount(c.perUnit - base),
            String(c.iterations),
          ]),
        ),
        '',
      ];
    }),
  ].join('\n');
}
