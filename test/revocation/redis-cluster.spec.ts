import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import type { RevocationCheck } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { RedisServer } from '../support/redis-server.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function token(fields: Partial<RevocationCheck>): RevocationCheck {
  return { jti: 'none', sid: 'none', sub: 'nobody', issuedAt: 0, ...fields };
}

describe('RedisRevocationStore on a Redis Cluster (three masters)', () => {
  let dir: string;
  const servers: RedisServer[] = [];
  const clients: Cluster[] = [];
  const stores: RedisRevocationStore[] = [];

  function cluster(): Cluster {
    const client = new Cluster([{ host: '127.0.0.1', port: servers[0]!.port }]);
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }

  async function store(): Promise<RedisRevocationStore> {
    const created = new RedisRevocationStore({ client: cluster(), logger: silent });
    stores.push(created);
    await created.start();
    return created;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nta-cluster-'));
    for (let i = 0; i < 3; i++) {
      servers.push(
        await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--dir', dir]),
      );
    }
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const probe = cluster();
    await eventually(async () => /cluster_state:ok/.test(String(await probe.cluster('INFO'))), 'the cluster is up');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stores.map((created) => created.onApplicationShutdown()));
    clients.forEach((client) => client.disconnect());
    await Promise.all(servers.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('propagates revocations whose keys live on different masters, and a new instance loads them from all', async () => {
    const a = await store();
    const b = await store();
    const now = Date.now();
    const ids = Array.from({ length: 30 }, (_, i) => `jti-${i}`);
    for (const id of ids) await a.revokeToken(id, now + 60_000);
    await a.revokeUser('user-c', now, { accessUntil: now + 60_000, refreshUntil: now + 60_000 });
    await eventually(() => ids.every((jti) => b.isRevoked(token({ jti }))), 'B sees every revocation');

    const counts = await Promise.all(
      servers.map(async (server) => {
        const node = clients[0]!.nodes('master').find((n) => n.options.port === server.port)!;
        return node.dbsize();
      }),
    );
    expect(counts.filter((count) => count > 0).length).toBeGreaterThan(1);

    const c = await store();
    expect(ids.every((jti) => c.isRevoked(token({ jti })))).toBe(true);
    expect(c.isRevoked(token({ sub: 'user-c', issuedAt: now - 1 }))).toBe(true);
    expect(c.health()).toMatchObject({ connected: true, tokens: 30, users: 1 });
  });

  it('rotates sessions whose records live on different masters, each decided once', async () => {
    const [a, b] = [await store(), await store()];
    const now = Date.now();
    const rotation = (sid: string) => ({
      sid,
      sub: 'user-c',
      jti: 'AAAAAAAAAAAAAAAAAAAAAA',
      issuedAt: now,
      successorJti: randomBytes(16).toString('base64url'),
      recordTtlMs: 60_000,
      replayWindowMs: 30_000,
    });
    const sids = Array.from({ length: 12 }, (_, i) => `sid-${i}`);
    for (const sid of sids) {
      const first = await a.rotateSession(rotation(sid));
      expect(first).toMatchObject({ kind: 'rotated', startedAt: now });
      const { usedAt } = first as { usedAt: number };
      expect(await b.rotateSession(rotation(sid))).toEqual({ kind: 'replayed', usedAt, startedAt: now });
    }
    const { issuedBefore } = await a.revokeUser('user-c', now + 1, {
      accessUntil: now + 60_000,
      refreshUntil: now + 60_000,
    });
    expect(issuedBefore).toBeGreaterThan(now);
    expect(await b.rotateSession(rotation('sid-late'))).toEqual({ kind: 'revoked' });
  });

  it("keeps each user's sessions in one hash: listed in one HGETALL, refreshed, revoked, from any instance", async () => {
    const [a, b] = [await store(), await store()];
    const now = Date.now();
    const entry = (sid: string) => ({
      sid,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + 60_000,
      device: { label: sid },
    });
    const sids = Array.from({ length: 12 }, () => randomBytes(16).toString('base64url'));
    for (const sid of sids) expect(await a.recordSession('user-list', entry(sid))).toEqual({ persisted: true });
    expect((await b.listSessions('user-list')).map((s) => s.sid).sort()).toEqual([...sids].sort());
    // A refresh on a Cluster updates the entry after the rotation answered (another slot, another master).
    const outcome = await b.rotateSession({
      sid: sids[0]!,
      sub: 'user-list',
      jti: 'AAAAAAAAAAAAAAAAAAAAAA',
      issuedAt: now,
      successorJti: randomBytes(16).toString('base64url'),
      recordTtlMs: 120_000,
      replayWindowMs: 30_000,
      sessionLifetimeMs: 3_600_000,
    });
    const { usedAt } = outcome as { usedAt: number };
    await eventually(
      async () => (await a.listSessions('user-list')).find((s) => s.sid === sids[0])?.lastActiveAt === usedAt,
      'the refresh moved the last activity',
    );
    expect(await a.forgetSession('user-list', sids[1]!)).toBe(true);
    expect(await b.forgetSession('user-list', sids[1]!)).toBe(false);
    await b.revokeSession(sids[2]!, { accessUntil: now + 60_000, refreshUntil: now + 60_000 }, { sub: 'user-list' });
    expect(await a.listSessions('user-list')).toHaveLength(10);
    await a.revokeUser('user-list', Date.now() + 1, { accessUntil: now + 60_000, refreshUntil: now + 60_000 });
    expect(await b.listSessions('user-list')).toEqual([]);
  });
});
