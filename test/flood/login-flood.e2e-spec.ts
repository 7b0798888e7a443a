import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCompactRing, generateKey } from 'nestjs-token-auth';
import { BuiltDemo, cleanEnv, ensureBuilt } from '../demo/support/built-demo.js';
import { DemoCluster, PASSWORD, type Instance } from '../revocation/support/demo-instances.js';

/** A login's answer: status, `code` and `Retry-After`, and the body to compare answers by. */
interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
  body: unknown;
}

/**
 * POST `path` from the loopback address `from`: every 127.x.y.z reaches the demo on 127.0.0.1 under Linux, and the
 * demo sees it as the client IP, so one test process is many clients (the demo trusts no X-Forwarded-For).
 */
function post(url: string, path: string, body: object, from: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: hostname,
        port,
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
          const parsed = JSON.parse(text) as { code?: string };
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode!, code: parsed.code, retryAfter, body: parsed });
        });
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

function login(url: string, username: string, password: string, from = '127.0.0.1'): Promise<Answer> {
  return post(url, '/auth/login', { username, password }, from);
}

async function register(url: string, username: string, from = '127.0.0.1'): Promise<void> {
  const answer = await post(url, '/auth/register', { username, password: PASSWORD }, from);
  if (answer.status !== 201) throw new Error(`registering ${username} from ${from} answered ${answer.status}`);
}

/** `401`, `429 account_rate_limited`, ... */
const outcome = ({ status, code }: Answer) => (code === undefined ? String(status) : `${status} ${code}`);

/** One built demo process on its own SQLite file, without Redis. */
async function startBuiltDemo(env: NodeJS.ProcessEnv): Promise<{ demo: BuiltDemo; url: string; dir: string }> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'nta-flood-'));
  const key = generateKey();
  const demo = new BuiltDemo(
    cleanEnv({ PORT: '0', TOKEN_AUTH_KEYS: formatCompactRing([key]), DEMO_DB_PATH: join(dir, 'demo.sqlite'), ...env }),
    dir,
  );
  return { demo, url: (await demo.listening()).replace('[::1]', '127.0.0.1'), dir };
}

describe.each(['express', 'fastify'])('the per-account login limit of the built demo (%s)', (adapter) => {
  let started: Awaited<ReturnType<typeof startBuiltDemo>>;
  beforeAll(async () => {
    // One attempt a minute per address: only the per-account count can refuse a guess from a fresh address.
    started = await startBuiltDemo({ DEMO_ADAPTER: adapter, LOGIN_RATE_LIMIT: '1', ACCOUNT_LOGIN_LIMIT: '3' });
    await register(started.url, 'target', '127.0.1.100');
    await register(started.url, 'target2', '127.0.2.100');
  });
  afterAll(async () => {
    await started?.demo.kill();
    rmSync(started?.dir, { recursive: true, force: true });
  });

  /** The answers to guesses at `username`, each from a new address of `range`, then the right password. */
  async function guessFromManyAddresses(username: string, range: string): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 1; i <= 4; i++) answers.push(await login(started.url, username, `wrong guess ${i}`, `${range}.${i}`));
    answers.push(await login(started.url, username, PASSWORD, `${range}.5`));
    return answers;
  }

  it('refuses an account guessed from many addresses past ACCOUNT_LOGIN_LIMIT failures, the right password too', async () => {
    const answers = await guessFromManyAddresses('target', '127.0.1');
    expect(answers.map(outcome)).toEqual(['401', '401', '401', '429 account_rate_limited', '429 account_rate_limited']);
    expect(Number(answers[4]!.retryAfter)).toBeGreaterThan(0);
    // Another account is not affected.
    await register(started.url, 'bystander', '127.0.1.101');
    expect(outcome(await login(started.url, 'bystander', PASSWORD, '127.0.1.102'))).toBe('200');
  });

  it('answers a name that belongs to no account exactly as one that does', async () => {
    const known = await guessFromManyAddresses('TARGET2', '127.0.2'); // names compare case-insensitively
    const unknown = await guessFromManyAddresses('no-such-user', '127.0.3');
    expect(unknown.map(outcome)).toEqual(['401', '401', '401', '429 account_rate_limited', '429 account_rate_limited']);
    expect(unknown.map(({ body }) => body)).toEqual(known.map(({ body }) => body));
  });
});

describe('the per-account login limit shared by two instances through one real Redis', () => {
  let cluster: DemoCluster;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    cluster = await DemoCluster.start({ ACCOUNT_LOGIN_LIMIT: '3' });
    a = await cluster.instance();
    b = await cluster.instance();
    await register(a.url, 'shared');
  });
  afterAll(() => cluster?.stop());
  afterEach(() => {
    if (!cluster.redis.running) cluster.redis.resume();
  });

  it('counts the failures on either instance together: the fourth guess is refused on both', async () => {
    const answers = [
      await login(a.url, 'shared', 'wrong guess 1'),
      await login(b.url, 'shared', 'wrong guess 2'),
      await login(a.url, 'shared', 'wrong guess 3'),
      await login(b.url, 'shared', 'wrong guess 4'),
      await login(a.url, 'shared', PASSWORD),
    ];
    // Counted per instance, each would have let 3 failures through, 6 in all.
    expect(answers.map(outcome)).toEqual(['401', '401', '401', '429 account_rate_limited', '429 account_rate_limited']);
    expect(Number(answers[3]!.retryAfter)).toBeGreaterThan(0);
  });

  it('does not count successful logins: an account signs in on both instances as often as it likes', async () => {
    await register(a.url, 'regular');
    for (let i = 0; i < 4; i++) {
      expect(outcome(await login(i % 2 === 0 ? a.url : b.url, 'regular', PASSWORD))).toBe('200');
    }
    expect(outcome(await login(b.url, 'regular', 'one typo here'))).toBe('401');
  });

  it('counts in memory while Redis does not answer, so logins are still answered and still limited', async () => {
    await register(a.url, 'offline');
    cluster.redis.pause(); // SIGSTOP: connections stay open, nothing is answered
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(await login(a.url, 'offline', `wrong guess ${i}`));
    expect(answers.map(outcome)).toEqual(['401', '401', '401', '429 account_rate_limited']);
    expect(a.demo.stdout + a.demo.stderr).toMatch(/counting failed logins in this instance's memory/);
  });
});

describe.each(['express', 'fastify'])('load shedding by the built demo (%s)', (adapter) => {
  let started: Awaited<ReturnType<typeof startBuiltDemo>>;
  beforeAll(async () => {
    // No wait allowed: a check that finds both hashing slots busy is refused at once.
    started = await startBuiltDemo({
      DEMO_ADAPTER: adapter,
      LOGIN_RATE_LIMIT: '1000000',
      ACCOUNT_LOGIN_LIMIT: '1000000',
      HASHING_MAX_WAIT: '0',
    });
    await register(started.url, 'flooded');
  });
  afterAll(async () => {
    await started?.demo.kill();
    rmSync(started?.dir, { recursive: true, force: true });
  });

  it('answers 503 hashing_overloaded with Retry-After to the logins the hashing queue cannot serve in time', async () => {
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login(started.url, `guess-${i}`, PASSWORD, `127.1.0.${(i % 50) + 1}`)),
    );
    const outcomes = new Set(flood.map(outcome));
    expect([...outcomes].sort()).toEqual(['401', '503 hashing_overloaded']);
    for (const answer of flood.filter(({ status }) => status === 503)) {
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Once the flood is over, the queue serves again.
    expect(outcome(await login(started.url, 'flooded', PASSWORD))).toBe('200');
  });
});
