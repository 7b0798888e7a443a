import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DemoCluster, eventually, me, PASSWORD, post, type Instance, type Pair } from './support/demo-instances.js';

/** POST /auth/refresh: `200` or the status and code. */
async function refresh(instance: Instance, token: string): Promise<{ outcome: string; pair?: Pair }> {
  const { status, body } = await post(instance, '/auth/refresh', { refresh_token: token });
  return status === 200 ? { outcome: '200', pair: body as Pair } : { outcome: `${status} ${body.code}` };
}

/**
 * Demo processes on one real Redis, with persistence (`appendOnly`) or without, and instances started later; each test
 * brings its own users.
 */
function cluster(appendOnly: boolean) {
  const state = {} as { cluster: DemoCluster; redis: DemoCluster['redis']; a: Instance; b: Instance };
  let users = 0;

  const startInstance = (adapter = 'express'): Promise<Instance> => state.cluster.instance({ DEMO_ADAPTER: adapter });

  async function login(instance: Instance): Promise<Pair> {
    const username = `user-${++users}`;
    expect((await post(instance, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
    return (await post(instance, '/auth/login', { username, password: PASSWORD })).body as Pair;
  }

  beforeAll(async () => {
    state.cluster = await DemoCluster.start(
      { REVOCATION_MAX_STALENESS: '30' },
      { persistence: appendOnly ? 'appendOnly' : 'none' },
    );
    state.redis = state.cluster.redis;
    state.a = await startInstance();
    state.b = await startInstance('fastify');
  }, 60_000);

  afterAll(() => state.cluster?.stop());

  return { state, startInstance, login };
}

describe('sessions when Redis restarts empty', () => {
  const { state, startInstance, login } = cluster(false);

  it('refuses every refresh token issued before the loss with session_reset, on old and new instances; new logins work', async () => {
    const { redis, a, b } = state;
    const victim = await login(a);
    const spent = victim.refresh_token;
    const current = (await refresh(a, spent)).pair!;
    const other = await login(b);

    await redis.kill();
    await redis.start();
    for (const instance of [a, b]) await eventually(async () => (await me(instance, other)) === '200', 'resync');
    const fresh = await startInstance();

    // The spent token is never accepted again, wherever it is replayed; a token that was current is refused too,
    // since Redis no longer tells them apart.
    for (const instance of [b, fresh, a]) {
      expect((await refresh(instance, spent)).outcome).toBe('401 session_reset');
      expect((await refresh(instance, current.refresh_token)).outcome).toBe('401 session_reset');
      expect((await refresh(instance, other.refresh_token)).outcome).toBe('401 session_reset');
    }
    expect([a, b].map(({ demo }) => demo.stdout + demo.stderr).join('')).toMatch(
      /Redis lost its data .* are refused with session_reset/,
    );

    // Signing in again works everywhere, and its refresh token rotates as usual.
    const again = await login(fresh);
    const next = (await refresh(a, again.refresh_token)).pair!;
    expect(await me(b, next)).toBe('200');
    expect((await refresh(b, next.refresh_token)).outcome).toBe('200');
  }, 90_000);
});

describe('sessions when Redis restarts from its append-only file', () => {
  const { state, startInstance, login } = cluster(true);

  it('keeps every session record: a replayed spent token is reuse and revokes its session, on old and new instances', async () => {
    const { redis, a, b } = state;
    const first = await login(a);
    const firstNext = (await refresh(a, first.refresh_token)).pair!;
    const second = await login(b);
    const secondNext = (await refresh(b, second.refresh_token)).pair!;
    const untouched = await login(a);
    // Each successor used once more, so the logins' tokens are two steps behind.
    const firstHead = (await refresh(b, firstNext.refresh_token)).pair!;
    const secondHead = (await refresh(a, secondNext.refresh_token)).pair!;

    await redis.restart();
    for (const instance of [a, b]) await eventually(async () => (await me(instance, firstHead)) === '200', 'resync');
    const fresh = await startInstance('fastify');

    expect((await refresh(b, first.refresh_token)).outcome).toBe('401 revoked_token');
    await eventually(
      async () => (await me(a, firstHead)) === '401 revoked_token',
      'the reuse revokes the session everywhere',
    );
    expect((await refresh(fresh, second.refresh_token)).outcome).toBe('401 revoked_token');
    await eventually(
      async () => (await me(b, secondHead)) === '401 revoked_token',
      'the reuse revokes the session everywhere',
    );
    expect((await refresh(a, secondHead.refresh_token)).outcome).toBe('401 revoked_token');

    // No reset: the epoch survived, so sessions untouched by the replays go on.
    expect((await refresh(fresh, untouched.refresh_token)).outcome).toBe('200');
  }, 90_000);
});

describe('a refresh answered 503 while Redis hangs (SIGSTOP)', () => {
  const { state, login } = cluster(false);

  it('retried after SIGCONT gets a working pair with the session intact; a real reuse then revokes the session', async () => {
    const { redis, a, b } = state;
    const retried = await login(a);
    const thief = await login(b);
    const stolen = thief.refresh_token;

    redis.pause();
    try {
      // The store's write timeout (2 s) answers 503; the script is still queued on the open connection.
      expect((await refresh(a, retried.refresh_token)).outcome).toBe('503 revocation_unavailable');
      expect((await refresh(b, stolen)).outcome).toBe('503 revocation_unavailable');
    } finally {
      redis.resume();
    }

    // The client retries, as the 503 invites, on another instance, 11 s later. The rotation the hung Redis ran at
    // SIGCONT came after its deadline and changed nothing, so this is the token's first use: a pair, and it works.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const retry = await refresh(b, retried.refresh_token);
    expect(retry.outcome).toBe('200');
    const pair = retry.pair!;
    expect(await me(a, pair)).toBe('200');
    const next = (await refresh(a, pair.refresh_token)).pair!;
    expect(await me(b, next)).toBe('200');

    // The owner's retry succeeds and moves on; the same token presented afterwards is a reuse.
    const owner = (await refresh(a, stolen)).pair!;
    const ownerNext = (await refresh(a, owner.refresh_token)).pair!;
    expect((await refresh(b, stolen)).outcome).toBe('401 revoked_token');
    await eventually(async () => (await me(a, ownerNext)) === '401 revoked_token', 'the session is revoked everywhere');
    expect((await refresh(b, ownerNext.refresh_token)).outcome).toBe('401 revoked_token');
    expect(a.demo.stdout + b.demo.stdout).toMatch(
      /refresh token reused \(its successor was used, or it came back after the replay window\); revoking session \S+/,
    );
    // The first session is untouched by the other's reuse.
    expect(await me(b, next)).toBe('200');
  }, 90_000);
});
