import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCompactRing, generateKey } from 'nestjs-token-auth';
import { BuiltDemo, cleanEnv, ensureBuilt } from '../../demo/support/built-demo.js';
import { RedisServer } from '../../support/redis-server.js';

export { eventually } from '../../support/eventually.js';

export const PASSWORD = 'correct horse battery';

/** A demo answer's JSON: a token pair or an error, read field by field by the tests. */
export type DemoBody = Partial<Pair> & { code?: string; persisted?: boolean; [field: string]: unknown };

export interface Pair {
  access_token: string;
  refresh_token: string;
}

export interface Instance {
  demo: BuiltDemo;
  url: string;
  port: number;
}

/** Built demo processes sharing one real redis-server, one SQLite file and one key ring. */
export class DemoCluster {
  private readonly demos: BuiltDemo[] = [];

  private constructor(
    readonly redis: RedisServer,
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * `env`: what every instance gets on top of the shared Redis, database and keys. `persistence`: `'appendOnly'`,
   * Redis persists every write to its append-only file, so `redis.restart()` keeps its data; `'snapshots'`, a
   * `SAVE` writes a snapshot that `redis.restart()` comes back from (without what was written after it).
   */
  static async start(
    env: NodeJS.ProcessEnv = {},
    { persistence = 'none' }: { persistence?: 'none' | 'appendOnly' | 'snapshots' } = {},
  ): Promise<DemoCluster> {
    await ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'nta-multi-'));
    const redis = await RedisServer.start(
      persistence === 'appendOnly'
        ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]
        : persistence === 'snapshots'
          ? ['--dir', dir]
          : [],
    );
    const key = generateKey();
    return new DemoCluster(
      redis,
      dir,
      cleanEnv({
        PORT: '0',
        TOKEN_AUTH_KEYS: formatCompactRing([key]),
        DEMO_DB_PATH: join(dir, 'demo.sqlite'),
        LOGIN_RATE_LIMIT: '1000',
        REDIS_URL: redis.url,
        ...env,
      }),
    );
  }

  /** Starts one more instance; the first one creates the shared SQLite file, so start it alone. */
  async instance(env: NodeJS.ProcessEnv = {}): Promise<Instance> {
    const demo = new BuiltDemo({ ...this.env, ...env }, this.dir);
    this.demos.push(demo);
    const url = (await demo.listening()).replace('[::1]', '127.0.0.1');
    return { demo, url, port: Number(new URL(url).port) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.demos.map((demo) => demo.kill()));
    if (this.redis.running) this.redis.resume();
    await this.redis.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function post(
  instance: Instance,
  path: string,
  body: object,
  token?: string,
): Promise<{ status: number; body: DemoBody }> {
  const response = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? {} : ((await response.json()) as DemoBody) };
}

/** GET /me with the access token: the status and error code. */
export async function me(instance: Instance, pair: Pair): Promise<string> {
  const response = await fetch(`${instance.url}/me`, { headers: { Authorization: `Bearer ${pair.access_token}` } });
  const body = (await response.json()) as { code?: string };
  return response.status === 200 ? '200' : `${response.status} ${body.code}`;
}

export async function login(instance: Instance, username: string): Promise<Pair> {
  const answer = await post(instance, '/auth/login', { username, password: PASSWORD });
  if (answer.status !== 200) throw new Error(`login answered ${answer.status}`);
  return answer.body as Pair;
}

/** Status counts of a load run: `200`, `401 revoked_token`, `503 revocation_unavailable`, `ECONNREFUSED`, ... */
export class StatusCounts {
  readonly counts: Record<string, number> = {};
  sent = 0;

  add(outcome: string): void {
    this.sent++;
    this.counts[outcome] = (this.counts[outcome] ?? 0) + 1;
  }
}

/** `me`, with a failed connection as its error code rather than a throw. */
export async function meOrError(instance: Instance, pair: Pair): Promise<string> {
  try {
    return await me(instance, pair);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? 'fetch failed';
  }
}
