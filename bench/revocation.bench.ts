import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryRevocationStore, type RevocationCheck } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import type { BenchOptions } from './support/bench-options.js';
import { formatBytes, formatNs, table } from './support/markdown.js';
import { measure } from './support/measure.js';
import { recordTarget } from './support/report.js';
import { freePort, startRedis } from './support/redis-server.js';

const PROPAGATION_TARGET_MS = 100;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A memory store holding `n` token revocations (and n/100 sessions and users), far from expiry. */
async function filledStore(n: number): Promise<MemoryRevocationStore> {
  const store = new MemoryRevocationStore();
  const expiresAt = Date.now() + 3_600_000;
  for (let i = 0; i < n; i++) await store.revokeToken(`${i.toString(36).padStart(22, 'j')}`, expiresAt);
  for (let i = 0; i < n / 100; i++) {
    await store.revokeSession(`${i.toString(36).padStart(22, 's')}`, {
      accessUntil: expiresAt,
      refreshUntil: expiresAt,
    });
    await store.revokeUser(`user-${i}`, Date.now(), { accessUntil: expiresAt, refreshUntil: expiresAt });
  }
  return store;
}

async function checkCost(sizes: readonly number[], quick: boolean): Promise<string[][]> {
  const rows: string[][] = [];
  for (const n of sizes) {
    const store = await filledStore(n);
    const miss: RevocationCheck = {
      jti: 'AAAAAAAAAAAAAAAAAAAAAA',
      sid: 'BBBBBBBBBBBBBBBBBBBBBB',
      sub: 'user-x',
      issuedAt: Date.now(),
    };
    const hit: RevocationCheck = { ...miss, jti: `${(n >> 1).toString(36).padStart(22, 'j')}` };
    const [notRevoked, revoked] = await measure(
      [
        { name: 'not revoked', fn: () => store.isRevoked(miss) },
        { name: 'revoked', fn: () => store.isRevoked(n > 0 ? hit : miss) },
      ],
      { rounds: quick ? 3 : 15, batchMs: quick ? 5 : 50, warmupMs: quick ? 5 : 200 },
    );
    rows.push([n.toLocaleString('en-US'), formatNs(notRevoked!.nsPerOp), n > 0 ? formatNs(revoked!.nsPerOp) : '—']);
    store.onModuleDestroy();
  }
  return rows;
}

/** Heap growth per token revocation (22-character ids, as real `jti`s): entry, map slot and expiry-heap item. */
async function bytesPerRevocation(n: number): Promise<number> {
  const before = heapUsed();
  const store = await filledStore(n);
  const after = heapUsed();
  store.onModuleDestroy();
  return (after - before) / (n * 1.02);
}

/**
 * Time from `revokeToken` on instance A until instance B's replica enforces it: A's write (EVALSHA) and PUBLISH,
 * then delivery to B's subscriber connection. Both stores share this process but not a connection.
 */
async function propagation(
  samples: number,
  redisEntries: number,
): Promise<{ latencies: number[]; redisBytes: number }> {
  const port = await freePort();
  const redis = await startRedis(port);
  const a = new RedisRevocationStore({ connection: { port, host: '127.0.0.1' }, logger: silent });
  const b = new RedisRevocationStore({ connection: { port, host: '127.0.0.1' }, logger: silent });
  await Promise.all([a.start(), b.start()]);
  const latencies: number[] = [];
  let redisBytes: number;
  try {
    for (let i = 0; i < samples; i++) {
      const check: RevocationCheck = { jti: `bench-${i}`, sid: 'none', sub: 'none', issuedAt: 0 };
      const started = process.hrtime.bigint();
      void a.revokeToken(check.jti, Date.now() + 60_000);
      while (!b.isRevoked(check)) await new Promise((resolve) => setImmediate(resolve));
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      // Spread the samples out, as revocations are in real life, rather than measuring a saturated queue.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))![1]);
    const before = await usedMemory();
    const expiresAt = Date.now() + 600_000;
    for (let i = 0; i < redisEntries; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) => a.revokeToken(`${(i + j).toString(36).padStart(22, 'r')}`, expiresAt)),
      );
    }
    redisBytes = ((await usedMemory()) - before) / redisEntries;
  } finally {
    await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
    redis.client.disconnect();
    redis.child.kill('SIGKILL');
    await once(redis.child, 'exit');
  }
  return { latencies: latencies.sort((x, y) => x - y), redisBytes };
}

export async function run({ quick }: BenchOptions): Promise<string> {
  const sizes = quick ? [0, 10_000] : [0, 10_000, 100_000, 1_000_000];
  const costRows = await checkCost(sizes, quick);
  const memoryN = quick ? 20_000 : 200_000;
  const perRevocation = await bytesPerRevocation(memoryN);
  const samples = quick ? 50 : 2000;
  const redisEntries = quick ? 10_000 : 100_000;
  const { latencies, redisBytes } = await propagation(samples, redisEntries);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  recordTarget({
    target: `revocation propagation between instances through Redis, p99 < ${PROPAGATION_TARGET_MS} ms`,
    measured: `${p99.toFixed(2)} ms`,
    pass: p99 < PROPAGATION_TARGET_MS,
  });
  return [
    '## Revocation',
    '',
    '`isRevoked` is what `TokenService.verify` adds to every request: at most three map lookups in the local ' +
      'replica (token id, session id, user cut-off). The store holds N token revocations plus N/100 sessions and ' +
      'N/100 users; the check runs on a token that is not revoked, and on one that is.',
    '',
    table(['live revocations', 'not revoked', 'revoked'], costRows),
    '',
    `Memory: ${perRevocation.toFixed(0)} bytes of V8 heap per revocation (heap used after two full GCs, before and ` +
      `after adding ${memoryN.toLocaleString('en-US')} revocations with 22-character ids to a \`MemoryRevocationStore\`; ` +
      `${formatBytes(perRevocation * 1_000_000)} per million). The Redis replica holds the same structure. ` +
      `In Redis: ${redisBytes.toFixed(0)} bytes per revocation (\`used_memory\` before and after ` +
      `${redisEntries.toLocaleString('en-US')} revocations written through the store).`,
    '',
    `Propagation through a real Redis (redis-server on loopback, ${samples.toLocaleString('en-US')} revocations, ` +
      'one at a time): from `revokeToken` on instance A until instance B rejects the token. Both instances run in ' +
      'one process on separate connections.',
    '',
    table(
      ['p50', 'p90', 'p99', 'max'],
      [[p50, percentile(latencies, 90), p99, latencies.at(-1)!].map((ms) => `${ms.toFixed(2)} ms`)],
    ),
  ].join('\n');
}
