/**
 * The sessions scale run, on its own (not part of `npm test` or `npm run bench`): `npm run bench:scale`.
 * Pushes SCALE_SESSIONS sessions (default 1 000 000) and SCALE_REVOCATIONS revocations (default 100 000) through a
 * real redis-server and prints, as Markdown: Redis bytes per session (and one session after 1 and 1 000
 * refreshes), Redis and replica bytes per revocation, the replica after SCALE_SESSIONS session revocations older
 * than the access-token window, and refresh latency through Redis. With SCALE_BASELINE set to the `dist` folder of
 * an earlier build of the library, its refresh latency is measured in the same run, interleaved. First, the users'
 * session indexes (bench/scale/session-index-run.ts); SCALE_ONLY=session-index stops after them.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import * as current from 'nestjs-token-auth';
import * as currentRedis from 'nestjs-token-auth/redis';
import { table } from '../support/markdown.js';
import { freePort, startRedis } from '../support/redis-server.js';
import { sessionIndexRun } from './session-index-run.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const SESSIONS = Number(process.env.SCALE_SESSIONS ?? 1_000_000);
const REVOCATIONS = Number(process.env.SCALE_REVOCATIONS ?? 100_000);
const LATENCY_SAMPLES = Number(process.env.SCALE_LATENCY_SAMPLES ?? 3000);
const BATCH = 1000;

type Library = { lib: typeof current; redis: typeof currentRedis };

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function usedMemory(client: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
}

const id = () => randomBytes(16).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inBatches(count: number, one: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => one(i + j)));
  }
}

/** TokenService over a RedisRevocationStore of `library`, as an application builds it. */
async function tokenAuth({ lib, redis }: Library, url: string, keyPrefix: string) {
  const store = new redis.RedisRevocationStore({ connection: url, logger: silent, keyPrefix });
  const context = await NestFactory.createApplicationContext(
    lib.TokenAuthModule.forRoot({
      keyProvider: new lib.StaticKeyProvider([lib.generateKey()]),
      revocationStore: store,
    }),
    { logger: false },
  );
  return { tokens: context.get(lib.TokenService), close: () => context.close() };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const port = await freePort();
  const redis = await startRedis(port);
  const url = `redis://127.0.0.1:${port}`;
  const lines: string[] = [];
  let indexLines: string[];
  try {
    // 0. The users' session indexes; it empties Redis before and between its parts.
    indexLines = await sessionIndexRun(url, redis.client);
    if (process.env.SCALE_ONLY === 'session-index') {
      console.log(indexLines.join('\n'));
      return;
    }
    await redis.client.flushall();
    // 1. Redis bytes per session: SESSIONS sessions, each rotated once through the store's script.
    const store = new currentRedis.RedisRevocationStore({ connection: url, logger: silent });
    await store.start();
    const beforeSessions = await usedMemory(redis.client);
    const keysBefore = await redis.client.dbsize();
    const now = store.now();
    let started = performance.now();
    await inBatches(SESSIONS, () =>
      store.rotateSession({
        sid: id(),
        sub: 'user-4242',
        jti: id(),
        issuedAt: now,
        successorJti: id(),
        recordTtlMs: 3_600_000,
        replayWindowMs: 30_000,
      }),
    );
    const sessionSeconds = (performance.now() - started) / 1000;
    const perSession = ((await usedMemory(redis.client)) - beforeSessions) / SESSIONS;
    const sessionKeys = (await redis.client.dbsize()) - keysBefore;

    // 2. One session through TokenService: 1 refresh, then 999 more.
    const app = await tokenAuth({ lib: current, redis: currentRedis }, url, 'nta:revocation:');
    let pair = app.tokens.issuePair('user-4242', { claims: { roles: ['user'] } });
    pair = await app.tokens.refresh(pair.refresh.token);
    const recordKey = `nta:revocation:f:${pair.refresh.claims.sid}`;
    const afterOne = Number(await redis.client.memory('USAGE', recordKey));
    const memoryAfterOne = await usedMemory(redis.client);
    for (let i = 0; i < 999; i++) pair = await app.tokens.refresh(pair.refresh.token);
    const afterThousand = Number(await redis.client.memory('USAGE', recordKey));
    const memoryGrowth = (await usedMemory(redis.client)) - memoryAfterOne;

    // 3. Refresh latency through Redis, sequential, interleaved with the baseline's in blocks of 100.
    const baselineDist = process.env.SCALE_BASELINE;
    const candidates: { name: string; tokens: typeof app.tokens; samples: number[] }[] = [
      { name: 'this build', tokens: app.tokens, samples: [] },
    ];
    let baselineApp: Awaited<ReturnType<typeof tokenAuth>> | undefined;
    if (baselineDist) {
      const baseline: Library = {
        lib: await import(`${baselineDist}/index.js`),
        redis: await import(`${baselineDist}/revocation/redis/index.js`),
      };
      baselineApp = await tokenAuth(baseline, url, 'nta:baseline:');
      candidates.push({ name: 'before (one SET NX GET per refresh)', tokens: baselineApp.tokens, samples: [] });
    }
    const chains = candidates.map(
      (c) => c.tokens.issuePair('user-4242', { claims: { roles: ['user'] } }).refresh.token,
    );
    for (let block = 0; block < LATENCY_SAMPLES / 100; block++) {
      for (const [i, candidate] of candidates.entries()) {
        for (let j = 0; j < 100; j++) {
          const t0 = performance.now();
          const next = await candidate.tokens.refresh(chains[i]!);
          candidate.samples.push(performance.now() - t0);
          chains[i] = next.refresh.token;
        }
      }
    }
    await baselineApp?.close();
    await app.close();

    // 4. Bytes per revocation: REVOCATIONS logouts through one store, in Redis and in its replica.
    await store.onApplicationShutdown();
    const revoker = new currentRedis.RedisRevocationStore({ connection: url, logger: silent });
    await revoker.start();
    const heapEmpty = heapUsed();
    const redisBefore = await usedMemory(redis.client);
    const until = Date.now() + 3_600_000;
    await inBatches(REVOCATIONS, () => revoker.revokeSession(id(), { accessUntil: until, refreshUntil: until }));
    const replicaPerRevocation = (heapUsed() - heapEmpty) / REVOCATIONS;
    const redisPerRevocation = ((await usedMemory(redis.client)) - redisBefore) / REVOCATIONS;
    await revoker.onApplicationShutdown();

    // 5. SESSIONS session revocations (access window 1 h, refresh window 2 h), then the replica once the access
    // window is over: the store's clock is moved past it rather than waiting an hour.
    await redis.client.eval(
      "for _, k in ipairs(redis.call('KEYS', 'nta:revocation:s:*')) do redis.call('DEL', k) end",
      0,
    );
    let skip = 0;
    const replicaStore = new currentRedis.RedisRevocationStore({
      connection: url,
      logger: silent,
      clock: () => Date.now() + skip,
    });
    await replicaStore.start();
    const baseline = heapUsed();
    const accessUntil = Date.now() + 3_600_000;
    const sids: string[] = [];
    started = performance.now();
    await inBatches(SESSIONS, async (i) => {
      const sid = id();
      if (i % 1000 === 0) sids.push(sid);
      await replicaStore.revokeSession(sid, { accessUntil, refreshUntil: accessUntil + 3_600_000 });
    });
    const revokeSeconds = (performance.now() - started) / 1000;
    const peak = heapUsed();
    const peakEntries = replicaStore.health().sessions;
    skip = 3_600_001;
    await sleep(1500); // the replica's sweep runs every second
    const after = heapUsed();
    const refusals = await Promise.all(
      sids.map((sid) =>
        replicaStore.rotateSession({
          sid,
          sub: 'user-4242',
          jti: id(),
          issuedAt: Date.now(),
          successorJti: id(),
          recordTtlMs: 60_000,
          replayWindowMs: 30_000,
        }),
      ),
    );
    const refused = refusals.filter((o) => o.kind === 'revoked').length;
    const afterEntries = replicaStore.health().sessions;
    await replicaStore.onApplicationShutdown();

    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    lines.push(
      table(
        ['measure', 'value'],
        [
          [
            `Redis bytes per session (${SESSIONS.toLocaleString('en')} sessions, one record each)`,
            perSession.toFixed(0),
          ],
          ['Redis keys added for them', sessionKeys.toLocaleString('en')],
          ['rotations/s pushing them (1 000 concurrent)', (SESSIONS / sessionSeconds).toFixed(0)],
          ["one session's record after 1 refresh (MEMORY USAGE)", `${afterOne} bytes`],
          ['the same record after 1 000 refreshes', `${afterThousand} bytes`],
          ['Redis used_memory growth over those 999 refreshes', `${memoryGrowth} bytes`],
          [
            `replica bytes per session revocation (${REVOCATIONS.toLocaleString('en')})`,
            replicaPerRevocation.toFixed(0),
          ],
          ['Redis bytes per session revocation (s: key and f: record)', redisPerRevocation.toFixed(0)],
          [
            `replica heap: baseline / after ${SESSIONS.toLocaleString('en')} session revocations / once their access tokens expired`,
            `${mb(baseline)} / ${mb(peak)} (${peakEntries.toLocaleString('en')} entries) / ${mb(after)} (${afterEntries} entries)`,
          ],
          ['replica heap above baseline once expired', mb(after - baseline)],
          ['sampled refresh tokens of those sessions still refused by Redis', `${refused} / ${sids.length}`],
          ['revocations/s pushing them (1 000 concurrent)', (SESSIONS / revokeSeconds).toFixed(0)],
        ],
      ),
      '',
      table(
        ['refresh through real Redis (sequential)', 'p50', 'p99', 'samples'],
        candidates.map(({ name, samples }) => {
          const sorted = [...samples].sort((x, y) => x - y);
          return [
            name,
            `${(percentile(sorted, 50) * 1000).toFixed(0)} µs`,
            `${(percentile(sorted, 99) * 1000).toFixed(0)} µs`,
            String(sorted.length),
          ];
        }),
      ),
    );
  } finally {
    redis.client.disconnect();
    redis.child.kill('SIGKILL');
    await once(redis.child, 'exit');
  }
  console.log([...lines, '', ...indexLines].join('\n'));
}

await main();
