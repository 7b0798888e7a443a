/**
 * The session index at scale, part of `npm run bench:scale` (bench/scale/scale-run.ts calls it on its redis-server):
 * - Redis bytes per session with a 120-byte user agent: SCALE_INDEX_USERS users (default 100 000) with 2 sessions
 *   each, logged in (index entry) then refreshed once (and the session record), measured by `used_memory`;
 * - an idle session's entry of an expired session, gone within one refresh-token lifetime: a 2-second refresh token,
 *   one idle session beside one that refreshes, and when the entry, then the key, is gone;
 * - `listSessions` for a user with 1 000 live sessions: commands per listing and wall-clock p50 / p99, and a refresh
 *   of one of those sessions (its pipeline updates the entry; it walks the user's hash only once an entry may have
 *   expired).
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import * as lib from 'nestjs-token-auth';
import * as libRedis from 'nestjs-token-auth/redis';
import { table } from '../support/markdown.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const USERS = Number(process.env.SCALE_INDEX_USERS ?? 100_000);
const PER_USER = 2;
const LIST_SESSIONS = 1000;
const LIST_SAMPLES = Number(process.env.SCALE_LIST_SAMPLES ?? 1000);
const BATCH = 1000;
/** A 120-byte user agent, as browsers send them. */
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126'.padEnd(
    120,
    '0',
  );

const id = () => randomBytes(16).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function usedMemory(client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const micros = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

async function tokenService(url: string, options: Partial<lib.TokenAuthModuleOptions> = {}) {
  const store = new libRedis.RedisRevocationStore({ connection: url, logger: silent });
  const context = await NestFactory.createApplicationContext(
    lib.TokenAuthModule.forRoot({
      keyProvider: new lib.StaticKeyProvider([lib.generateKey()]),
      revocationStore: store,
      ...options,
    }),
    { logger: false },
  );
  return { tokens: context.get(lib.TokenService), close: () => context.close() };
}

/** The rows of the session-index table, and the listing latency table. */
export async function sessionIndexRun(url: string, admin: Redis): Promise<string[]> {
  if (USER_AGENT.length !== 120) throw new Error('the user agent must be 120 bytes');
  await admin.flushall();

  // 1. Bytes per session: logins (index entries), then one refresh each (the session record and the entry updated).
  const store = new libRedis.RedisRevocationStore({ connection: url, logger: silent });
  await store.start();
  const empty = await usedMemory(admin);
  const now = store.now();
  const sessions: { sub: string; sid: string }[] = [];
  for (let u = 0; u < USERS; u++) for (let s = 0; s < PER_USER; s++) sessions.push({ sub: `user-${u}`, sid: id() });
  const device = { userAgent: USER_AGENT, ip: '203.0.113.0' };
  const hour = 3_600_000;
  for (let i = 0; i < sessions.length; i += BATCH) {
    await Promise.all(
      sessions
        .slice(i, i + BATCH)
        .map(({ sub, sid }) =>
          store.recordSession(sub, { sid, createdAt: now, lastActiveAt: now, expiresAt: now + 14 * 24 * hour, device }),
        ),
    );
  }
  const afterLogins = await usedMemory(admin);
  for (let i = 0; i < sessions.length; i += BATCH) {
    await Promise.all(
      sessions.slice(i, i + BATCH).map(({ sub, sid }) =>
        store.rotateSession({
          sid,
          sub,
          jti: id(),
          issuedAt: now,
          successorJti: id(),
          recordTtlMs: 14 * 24 * hour,
          replayWindowMs: 30_000,
          sessionLifetimeMs: 30 * 24 * hour,
        }),
      ),
    );
  }
  const afterRefresh = await usedMemory(admin);
  const sampleKey = `nta:revocation:d:user-0`;
  const hashUsage = Number(await admin.memory('USAGE', sampleKey));
  const encoding = await admin.object('ENCODING', sampleKey);
  const [sampleValue] = Object.values(await admin.hgetall(sampleKey));
  await store.onApplicationShutdown();
  const count = sessions.length;
  const perLogin = (afterLogins - empty) / count;
  const perRefreshed = (afterRefresh - empty) / count;

  // 2. An idle session's entry, with a 2 s refresh token (tolerance 0): gone at the first write for its user after it
  // expired, and the user's key gone within one refresh-token lifetime of the last session.
  await admin.flushall();
  const short = await tokenService(url, { refreshTokenTtl: 2, clockTolerance: 0, refreshReplayWindow: 0 });
  const key = 'nta:revocation:d:idle-user';
  const t0 = performance.now();
  await short.tokens.startSession('idle-user', { device: { label: 'idle' } });
  let active: lib.TokenPair = await short.tokens.startSession('idle-user', { device: { label: 'active' } });
  const timeline: string[] = [];
  const at = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  timeline.push(`${at()}: 2 entries (idle, active)`);
  for (let i = 0; i < 3; i++) {
    await sleep(900);
    active = await short.tokens.refresh(active.refresh.token);
    timeline.push(`${at()}: refresh, ${await admin.hlen(key)} entries`);
  }
  let goneAt = '';
  for (let waited = 0; waited < 10_000; waited += 100) {
    if ((await admin.exists(key)) === 0) {
      goneAt = at();
      break;
    }
    await sleep(100);
  }
  timeline.push(`${goneAt || 'not within 10 s'}: key gone (no write since the last refresh; its entry expired)`);
  await short.close();

  // 3. listSessions for a user with LIST_SESSIONS live sessions, and a refresh of one of them.
  await admin.flushall();
  const app = await tokenService(url);
  const logins: lib.TokenPair[] = [];
  for (let i = 0; i < LIST_SESSIONS; i += 100) {
    logins.push(
      ...(await Promise.all(Array.from({ length: 100 }, () => app.tokens.startSession('busy-user', { device })))),
    );
  }
  const listed = await app.tokens.listSessions('busy-user');
  if (listed.length !== LIST_SESSIONS) throw new Error(`listed ${listed.length} sessions, not ${LIST_SESSIONS}`);
  await admin.config('RESETSTAT');
  await app.tokens.listSessions('busy-user');
  const stats = await admin.info('commandstats');
  const commands = [...stats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)]
    .filter(([, name]) => !['info', 'ping', 'config|resetstat', 'evalsha'].includes(name!))
    .map(([, name, calls]) => `${name} ×${calls}`)
    .join(', ');
  const listSamples: number[] = [];
  for (let i = 0; i < LIST_SAMPLES; i++) {
    const start = performance.now();
    await app.tokens.listSessions('busy-user', { currentSessionId: logins[0]!.access.claims.sid });
    listSamples.push(performance.now() - start);
  }
  const refreshSamples: number[] = [];
  let chain = logins[1]!;
  for (let i = 0; i < Math.min(LIST_SAMPLES, 500); i++) {
    const start = performance.now();
    chain = await app.tokens.refresh(chain.refresh.token);
    refreshSamples.push(performance.now() - start);
  }
  const bigHash = Number(await admin.memory('USAGE', 'nta:revocation:d:busy-user'));

  // 4. Revoking an id that is not the caller's: another user's live session, an unknown id, an id already revoked.
  // Each is found: false after one HDEL; interleaved, so that load falls on all three alike.
  const others = await Promise.all(Array.from({ length: 10 }, () => app.tokens.startSession('other-user')));
  const revoked = await app.tokens.startSession('busy-user');
  await app.tokens.revokeSession(revoked.access.claims.sid, { subject: 'busy-user' });
  const notFound: Record<string, number[]> = {
    "another user's session": [],
    'an unknown id': [],
    'an id already revoked': [],
  };
  const ids: Record<string, () => string> = {
    "another user's session": () => others[Math.floor(Math.random() * others.length)]!.access.claims.sid,
    'an unknown id': id,
    'an id already revoked': () => revoked.access.claims.sid,
  };
  for (let i = 0; i < Math.min(LIST_SAMPLES, 500); i++) {
    for (const [name, next] of Object.entries(ids)) {
      const sid = next();
      const start = performance.now();
      const result = await app.tokens.revokeSession(sid, { subject: 'busy-user' });
      notFound[name]!.push(performance.now() - start);
      if (result.found !== false) throw new Error(`${name} was found`);
    }
  }
  await app.close();

  listSamples.sort((a, b) => a - b);
  refreshSamples.sort((a, b) => a - b);
  for (const samples of Object.values(notFound)) samples.sort((a, b) => a - b);
  return [
    table(
      ['session index', 'value'],
      [
        [
          `Redis bytes per session, 120-byte user agent and a /24 address (${USERS.toLocaleString('en')} users, ${PER_USER} sessions each): logged in (index entry)`,
          perLogin.toFixed(0),
        ],
        ['the same sessions refreshed once (index entry and session record)', perRefreshed.toFixed(0)],
        [`one user's hash of ${PER_USER} entries (MEMORY USAGE, ${String(encoding)} encoding)`, `${hashUsage} bytes`],
        ['one entry as stored', `${Buffer.byteLength(sampleValue!)} bytes: \`${sampleValue!.slice(0, 60)}…\``],
        ['an idle session beside an active one, 2 s refresh token', timeline.join('; ')],
        [`one user's hash of ${LIST_SESSIONS.toLocaleString('en')} entries (MEMORY USAGE)`, `${bigHash} bytes`],
        [`commands per listSessions of ${LIST_SESSIONS.toLocaleString('en')} sessions`, commands],
      ],
    ),
    '',
    table(
      [
        `through TokenService, one user with ${LIST_SESSIONS.toLocaleString('en')} live sessions (sequential)`,
        'p50',
        'p99',
        'samples',
      ],
      [
        [
          'listSessions',
          micros(percentile(listSamples, 50)),
          micros(percentile(listSamples, 99)),
          String(listSamples.length),
        ],
        [
          "refresh of one of them (the pipeline's index update, no walk of the user's hash)",
          micros(percentile(refreshSamples, 50)),
          micros(percentile(refreshSamples, 99)),
          String(refreshSamples.length),
        ],
        ...Object.entries(notFound).map(([name, samples]) => [
          `revokeSession(id, { subject }) answering found: false for ${name}`,
          micros(percentile(samples, 50)),
          micros(percentile(samples, 99)),
          String(samples.length),
        ]),
      ],
    ),
  ];
}
