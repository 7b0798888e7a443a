import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRing, serializeRing } from 'nestjs-token-auth';
import { BuiltDemo, REPO_ROOT, cleanEnv, ensureBuilt } from '../demo/support/built-demo.js';
import { LocalSecretsManager } from '../support/secrets-manager/local-secrets-manager.js';
import { localClient, sleep, until } from '../support/secrets-manager/helpers.js';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { rotateSecret } from 'nestjs-token-auth/aws';

const REFRESH_SECONDS = 2;
const SECRET_ID = 'demo/token-keys';
const CLI = join(REPO_ROOT, 'libs/token-auth/bin/nestjs-token-auth.js');
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-secret', AWS_REGION: 'us-east-1' };

/** Three demo processes sharing one secret (and one SQLite file) on the local Secrets Manager endpoint. */
describe('three instances sharing a key ring in Secrets Manager', () => {
  const local = new LocalSecretsManager();
  const instances: BuiltDemo[] = [];
  const urls: string[] = [];
  let workDir: string;

  beforeAll(async () => {
    await ensureBuilt();
    await local.start();
    workDir = mkdtempSync(join(tmpdir(), 'multi-instance-'));
    const client = localClient(local.endpoint);
    // Published an hour ago: every instance loads it at startup, so its next key may be promoted at once.
    const ring = createRing(new Date(Date.now() - 3_600_000));
    await client.send(new CreateSecretCommand({ Name: SECRET_ID, SecretString: serializeRing(ring) }));
    client.destroy();
    for (let i = 0; i < 3; i++) {
      const demo = new BuiltDemo(
        cleanEnv({
          ...CREDENTIALS,
          PORT: '0',
          DEMO_DB_PATH: join(workDir, 'demo.sqlite'),
          LOGIN_RATE_LIMIT: '1000000',
          TOKEN_AUTH_SECRET_ID: SECRET_ID,
          AWS_SECRETS_MANAGER_ENDPOINT: local.endpoint,
          TOKEN_AUTH_REFRESH_INTERVAL: String(REFRESH_SECONDS),
        }),
        workDir,
      );
      instances.push(demo);
      // One after the other: the first creates the database schema.
      urls.push(await demo.listening());
    }
    const registered = await post(urls[0]!, '/auth/register', {
      username: 'rotation',
      password: 'correct horse battery',
    });
    expect(registered.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((demo) => demo.kill()));
    await local.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function post(base: string, path: string, body: unknown): Promise<Response> {
    return fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  interface Pair {
    access_token: string;
    refresh_token: string;
  }

  async function loginPair(base: string): Promise<Pair> {
    const response = await post(base, '/auth/login', { username: 'rotation', password: 'correct horse battery' });
    expect(response.status).toBe(200);
    return (await response.json()) as Pair;
  }

  async function login(base: string): Promise<string> {
    return (await loginPair(base)).access_token;
  }

  async function me(base: string, token: string): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { code?: string };
    return { status: response.status, code: body.code };
  }

  /** The key ids and states an instance reports on /health/details (for a signed-in caller). */
  async function ringOf(base: string, token: string): Promise<{ id: string; state: string }[]> {
    const find = (value: unknown): { id: string; state: string }[] | undefined => {
      if (
        Array.isArray(value) &&
        value.length > 0 &&
        value.every((k) => typeof k?.id === 'string' && typeof k?.state === 'string')
      ) {
        return value as { id: string; state: string }[];
      }
      if (typeof value !== 'object' || value === null) return undefined;
      for (const child of Object.values(value)) {
        const found = find(child);
        if (found) return found;
      }
      return undefined;
    };
    return (
      find(await (await fetch(`${base}/health/details`, { headers: { authorization: `Bearer ${token}` } })).json()) ??
      []
    );
  }

  async function rotate(...extra: string[]): Promise<{ active: string; dropped: string[]; revoked: string | null }> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        CLI,
        'rotate',
        '--secret-id',
        SECRET_ID,
        '--endpoint',
        local.endpoint,
        '--refresh-seconds',
        String(REFRESH_SECONDS),
        ...extra,
      ],
      { env: { ...process.env, ...CREDENTIALS } },
    );
    return JSON.parse(stdout) as { active: string; dropped: string[]; revoked: string | null };
  }

  it('rotates twice under cross-instance traffic with no valid token rejected; an emergency rotation revokes a key everywhere within one refresh', async () => {
    // A session begun before both rotations: its refresh token is signed by the key the first rotation retires.
    const firstPair = await loginPair(urls[0]!);
    const firstToken = firstPair.access_token;
    const failures: string[] = [];
    let checks = 0;
    let minted = 0;
    let running = true;

    // Each worker mints a token on one instance (a refresh: cheap, unlike a login) and verifies it on all three,
    // then re-checks an older token.
    const worker = async (offset: number): Promise<void> => {
      const kept: string[] = [firstToken];
      const refreshTokens = (await Promise.all(urls.map(loginPair))).map((pair) => pair.refresh_token);
      for (let n = offset; running; n++) {
        const signer = n % 3;
        const response = await post(urls[signer]!, '/auth/refresh', { refresh_token: refreshTokens[signer] });
        if (response.status !== 200) {
          failures.push(
            `refresh on #${signer}: ${response.status} ${((await response.json()) as { code?: string }).code}`,
          );
          refreshTokens[signer] = (await loginPair(urls[signer]!)).refresh_token;
          continue;
        }
        const pair = (await response.json()) as Pair;
        refreshTokens[signer] = pair.refresh_token;
        const token = pair.access_token;
        minted++;
        kept.push(token);
        const older = kept[n % kept.length]!;
        for (const [i, base] of urls.entries()) {
          for (const candidate of [token, older]) {
            const result = await me(base, candidate);
            checks++;
            if (result.status !== 200)
              failures.push(`minted on #${signer}, rejected by #${i}: ${result.status} ${result.code}`);
          }
        }
      }
    };
    const traffic = Promise.all([0, 1, 2, 3].map(worker));

    await sleep(1000);
    const first = await rotate();
    await sleep(REFRESH_SECONDS * 1000 + 500);
    const second = await rotate();
    await until(
      async () =>
        (await Promise.all(urls.map((base) => ringOf(base, firstToken)))).every(
          (ring) => ring.find((k) => k.state === 'active')?.id === second.active,
        ),
      5000,
      'every instance on the second ring',
    );
    await sleep(1000);
    running = false;
    await traffic;

    expect(failures).toEqual([]);
    expect(minted).toBeGreaterThan(100);
    expect(checks).toBeGreaterThan(600);
    expect(first.active).not.toBe(second.active);
    // The token signed before both rotations, by a key now retiring, still passes everywhere.
    for (const base of urls) expect((await me(base, firstToken)).status).toBe(200);

    // Emergency: the active key is compromised. A token it signed must fail on every instance within one refresh.
    const compromisedToken = await login(urls[1]!);
    for (const base of urls) expect((await me(base, compromisedToken)).status).toBe(200);
    const emergency = await rotate('--emergency');
    // The compromised key stays one step, retired as of now, so instances see it retired rather than lost.
    expect(emergency).toMatchObject({ revoked: second.active, dropped: [] });
    await sleep(REFRESH_SECONDS * 1000 + 500);
    // Refused for its key; callers are told invalid_signature, as for any key the ring does not accept.
    for (const base of urls) {
      expect(await me(base, compromisedToken)).toEqual({ status: 401, code: 'invalid_signature' });
    }
    // Keys that were not compromised still work, and new logins work on every instance.
    for (const base of urls) expect((await me(base, firstToken)).status).toBe(200);
    const fresh = await login(urls[2]!);
    for (const base of urls) expect((await me(base, fresh)).status).toBe(200);

    // 25 hours later (past the old default grace of maxAccessTokenTtl + 30 s + one refresh interval), the next
    // rotation on the default schedule keeps the first key: the session begun before both rotations refreshes.
    const client = localClient(local.endpoint);
    const later = await rotateSecret({
      client,
      secretId: SECRET_ID,
      refreshInterval: REFRESH_SECONDS,
      now: new Date(Date.now() + 25 * 3_600_000),
    });
    client.destroy();
    expect(later.result?.dropped).toEqual([second.active]);
    await sleep(REFRESH_SECONDS * 1000 + 500);
    const refreshed = await post(urls[1]!, '/auth/refresh', { refresh_token: firstPair.refresh_token });
    expect(refreshed.status).toBe(200);
    const { access_token: continued } = (await refreshed.json()) as Pair;
    for (const base of urls) expect((await me(base, continued)).status).toBe(200);
  }, 60_000);
});
