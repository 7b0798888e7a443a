/**
 * The login flood of issue 23 against the built demo, on its own (not part of `npm test` or `npm run bench`):
 * `npm run build && tsc -p bench/tsconfig.json && node dist/bench/flood/login-flood-run.js`.
 *
 * Per trial (FLOOD_TRIALS, default 3), on a fresh demo process with its default limits (FLOOD_DEMO_MAIN, default
 * this build's `dist/apps/demo/main.js`; `before=/path/main.js,after=/path/main.js` compares builds, trial by trial
 * in turn, so that the machine's load weighs on each alike; FLOOD_ADAPTER express or fastify): 500 wrong-password logins from 50 loopback addresses, 10 each (within LOGIN_RATE_LIMIT), aimed at one
 * account, then the same spread over 500 names; 300 ms into each, a legitimate login of another account from
 * another address. Prints, as Markdown, the legitimate login's first answer and its latency, the time until it is
 * signed in (a client that waits `Retry-After` on 429 or 503, then tries again), and the flood's answers. Wall
 * clock: the figures move with the machine's load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatCompactRing, generateKey } from 'nestjs-token-auth';
import { table } from '../support/markdown.js';

/** The builds to run, as `label=path` (or a path alone, its own label). */
const BUILDS = (process.env.FLOOD_DEMO_MAIN ?? fileURLToPath(new URL('../../apps/demo/main.js', import.meta.url)))
  .split(',')
  .map((entry) => {
    const at = entry.indexOf('=');
    return at === -1 ? { label: entry, main: entry } : { label: entry.slice(0, at), main: entry.slice(at + 1) };
  });
const TRIALS = Number(process.env.FLOOD_TRIALS ?? 3);
const ADAPTER = process.env.FLOOD_ADAPTER ?? 'express';
const FLOOD = 500;
const ADDRESSES = 50;
const PASSWORD = 'correct horse battery';

interface Answer {
  status: number;
  retryAfter: number;
  code?: string;
}

/** POST `path` from the loopback address `from` (every 127.x.y.z reaches a server on 127.0.0.1 under Linux). */
function post(base: URL, path: string, body: object, from: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const call = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          resolve({ status: response.statusCode!, retryAfter: Number(response.headers['retry-after'] ?? 0), code });
        });
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

async function startDemo(main: string, dir: string): Promise<{ url: URL; stop: () => void }> {
  const key = generateKey();
  const child = spawn(process.execPath, [main], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      DEMO_ADAPTER: ADAPTER,
      DEMO_DB_PATH: join(dir, 'demo.sqlite'),
      TOKEN_AUTH_KEYS: formatCompactRing([key]),
      NO_COLOR: '1',
    },
  });
  let out = '';
  const url = await new Promise<URL>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!.replace('[::1]', '127.0.0.1')));
    });
    child.once('exit', (code) => reject(new Error(`demo exited (${code}) before listening:\n${out}`)));
  });
  return { url, stop: () => child.kill('SIGKILL') };
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Outcome {
  first: string;
  firstMs: number;
  signedInMs: number;
  flood: Record<string, number>;
}

/** One flood and one legitimate login during it. `target(i)`: the name the i-th wrong guess is for. */
async function scenario(url: URL, range: string, target: (i: number) => string): Promise<Outcome> {
  const flood: Record<string, number> = {};
  const guesses = Array.from({ length: FLOOD }, (_, i) =>
    post(url, '/auth/login', { username: target(i), password: `wrong guess ${i}` }, `${range}.${(i % ADDRESSES) + 1}`)
      .then(({ status, code }) => `${status}${code ? ` ${code}` : ''}`)
      .catch((error: Error) => error.message)
      .then((outcome) => (flood[outcome] = (flood[outcome] ?? 0) + 1)),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  let answer = await post(url, '/auth/login', { username: 'legit', password: PASSWORD }, `${range}.200`);
  const firstMs = performance.now() - started;
  const first = `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
  while (answer.status !== 200) {
    if (answer.retryAfter === 0) throw new Error(`the legitimate login got ${first} without Retry-After`);
    await new Promise((resolve) => setTimeout(resolve, answer.retryAfter * 1000));
    answer = await post(url, '/auth/login', { username: 'legit', password: PASSWORD }, `${range}.200`);
  }
  const signedInMs = performance.now() - started;
  await Promise.all(guesses);
  return { first, firstMs, signedInMs, flood };
}

/** One trial of one build: a quiet login, then the two floods, on a fresh demo. */
async function trial(main: string): Promise<Record<string, Outcome>> {
  const dir = mkdtempSync(join(tmpdir(), 'login-flood-'));
  const demo = await startDemo(main, dir);
  try {
    for (const [i, name] of ['legit', 'victim'].entries()) {
      const body = { username: name, password: PASSWORD };
      const { status } = await post(demo.url, '/auth/register', body, `127.9.0.${i + 1}`);
      if (status !== 201) throw new Error(`registering ${name} answered ${status}`);
    }
    const started = performance.now();
    const { status } = await post(demo.url, '/auth/login', { username: 'legit', password: PASSWORD }, '127.9.1.1');
    const quiet = performance.now() - started;
    return {
      'no flood': { first: String(status), firstMs: quiet, signedInMs: quiet, flood: {} },
      'at one account': await scenario(demo.url, '127.10.0', () => 'victim'),
      'at 500 names': await scenario(demo.url, '127.11.0', (i) => `guess-${i}`),
    };
  } finally {
    demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(outcomes: Outcome[]): string[] {
  const firsts = [...new Set(outcomes.map(({ first }) => first))].join(', ');
  const totals: Record<string, number> = {};
  for (const [outcome, count] of outcomes.flatMap(({ flood }) => Object.entries(flood))) {
    totals[outcome] = (totals[outcome] ?? 0) + count;
  }
  return [
    firsts,
    ms(median(outcomes.map(({ firstMs }) => firstMs))),
    ms(median(outcomes.map(({ signedInMs }) => signedInMs))),
    Object.entries(totals)
      .map(([outcome, count]) => `${outcome}: ${Math.round(count / outcomes.length)}`)
      .join(', ') || '-',
  ];
}

async function main(): Promise<void> {
  const results = BUILDS.map(() => new Map<string, Outcome[]>());
  for (let t = 0; t < TRIALS; t++) {
    for (const [b, { main }] of BUILDS.entries()) {
      for (const [name, outcome] of Object.entries(await trial(main))) {
        results[b]!.set(name, [...(results[b]!.get(name) ?? []), outcome]);
      }
    }
  }
  console.log(
    `${ADAPTER}, ${TRIALS} trials per build in turn, medians; load average ${loadavg()[0]!.toFixed(1)} at the end\n`,
  );
  console.log(
    table(
      ['build, flood', 'legit login: first answer', 'its latency', 'signed in after', 'flood answers (per trial)'],
      BUILDS.flatMap(({ label }, b) =>
        [...results[b]!].map(([name, outcomes]) => [`${label}, ${name}`, ...summary(outcomes)]),
      ),
    ),
  );
}

await main();
