/**
 * What `waitForReplicas` costs (`npm run bench:durability`; not part of `npm test` or `npm run bench`): refresh and
 * logout through a real redis-server primary with one replica on loopback, by stores with waitForReplicas 0 and 1
 * on the same Redis. Latency: wall clock per sequential `TokenService.refresh` / `revokeSession`, the two settings
 * interleaved in blocks of 100 (DURABILITY_SAMPLES each, default 3000). Throughput: DURABILITY_IN_FLIGHT (default
 * 100) chains refreshing (or sessions logging out) at once, the settings taking turns DURABILITY_ROUNDS times
 * (default 5). DURABILITY_LINK_DELAY_MS (default 0): the replica replicates through a proxy that delivers the
 * primary's bytes that late, as a replica in another zone would. Prints Markdown.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { generateKey, StaticKeyProvider, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { DelayProxy } from '../support/delay-proxy.js';
import { machine } from '../support/machine.js';
import { table } from '../support/markdown.js';
import { freePort, startRedis } from '../support/redis-server.js';

const SAMPLES = Number(process.env.DURABILITY_SAMPLES ?? 3000);
const IN_FLIGHT = Number(process.env.DURABILITY_IN_FLIGHT ?? 100);
const THROUGHPUT_OPS = 20 * IN_FLIGHT;
const ROUNDS = Number(process.env.DURABILITY_ROUNDS ?? 5);
const LINK_DELAY_MS = Number(process.env.DURABILITY_LINK_DELAY_MS ?? 0);
const BLOCK = 100;
const SETTINGS = [0, 1] as const;
/** A user of their own for every session, as in real life (the store keeps an index of each user's sessions). */
let users = 0;
const nextUser = () => `user-${++users}`;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

interface Candidate {
  waitForReplicas: number;
  tokens: TokenService;
  close: () => Promise<void>;
  refresh: number[];
  logout: number[];
  /** Logouts answered `persisted: false` (too few replicas acknowledged in time). */
  unpersisted: number;
}

async function tokenAuth(url: string, waitForReplicas: number): Promise<Candidate> {
  const store = new RedisRevocationStore({
    connection: url,
    logger: silent,
    keyPrefix: `nta:w${waitForReplicas}:`,
    waitForReplicas,
  });
  const context = await NestFactory.createApplicationContext(
    TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]), revocationStore: store }),
    { logger: false },
  );
  return {
    waitForReplicas,
    tokens: context.get(TokenService),
    close: () => context.close(),
    refresh: [],
    logout: [],
    unpersisted: 0,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

async function replicaInSync(replica: Redis): Promise<void> {
  for (let i = 0; !/master_link_status:up/.test(await replica.info('replication')); i++) {
    if (i > 400) throw new Error('the replica did not connect to the primary');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * `ops` operations, `IN_FLIGHT` at a time: those that succeeded per second, and how many failed (a refresh answered
 * 503 because its rotation waited past its deadline; a logout not persisted in time).
 */
async function throughput(
  ops: number,
  one: (i: number) => Promise<boolean>,
): Promise<{ rate: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < ops) if (!(await one(next++).catch(() => false))) failed++;
    }),
  );
  return { rate: (ops - failed) / ((performance.now() - started) / 1000), failed };
}

/** `count` sessions refreshed once (each has its record, as a signed-in user's does), `IN_FLIGHT` at a time. */
async function sessionsOf(c: Candidate, count: number): Promise<string[]> {
  const sids: string[] = [];
  await throughput(count, async () => {
    for (;;) {
      try {
        sids.push((await c.tokens.refresh(c.tokens.issuePair(nextUser()).refresh.token)).refresh.claims.sid);
        return true;
      } catch {
        // 503: try another session.
      }
    }
  });
  return sids;
}

async function main(): Promise<void> {
  const info = machine();
  const dir = mkdtempSync(join(tmpdir(), 'nta-durability-'));
  const primaryPort = await freePort();
  const primary = await startRedis(primaryPort, ['--dir', dir]);
  const link = LINK_DELAY_MS > 0 ? await DelayProxy.start(primaryPort, LINK_DELAY_MS) : undefined;
  const replica = await startRedis(await freePort(), [
    '--replicaof',
    '127.0.0.1',
    String(link?.port ?? primaryPort),
    '--dir',
    dir,
    '--repl-diskless-load',
    'on-empty-db',
  ]);
  const url = `redis://127.0.0.1:${primaryPort}`;
  const candidates: Candidate[] = [];
  try {
    await replicaInSync(replica.client);
    for (const w of SETTINGS) candidates.push(await tokenAuth(url, w));

    // Warm-up, then the sequential samples, interleaved in blocks.
    const chains = candidates.map((c) => c.tokens.issuePair(nextUser()).refresh.token);
    for (const [i, c] of candidates.entries()) {
      for (let j = 0; j < 200; j++) chains[i] = (await c.tokens.refresh(chains[i]!)).refresh.token;
    }
    for (let block = 0; block < SAMPLES / BLOCK; block++) {
      for (const [i, c] of candidates.entries()) {
        for (let j = 0; j < BLOCK; j++) {
          const t0 = performance.now();
          const next = await c.tokens.refresh(chains[i]!);
          c.refresh.push(performance.now() - t0);
          chains[i] = next.refresh.token;
        }
      }
      for (const c of candidates) {
        for (const sid of await sessionsOf(c, BLOCK)) {
          const t0 = performance.now();
          const result = await c.tokens.revokeSession(sid);
          c.logout.push(performance.now() - t0);
          if (!result.persisted) c.unpersisted++;
        }
      }
    }

    // Throughput: the settings take turns, ROUNDS times, so that neither gains from going second.
    type Rates = { refresh: number[]; logout: number[]; refreshFailed: number; logoutFailed: number };
    const rates = new Map<Candidate, Rates>(
      candidates.map((c) => [c, { refresh: [], logout: [], refreshFailed: 0, logoutFailed: 0 }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of round % 2 === 0 ? candidates : [...candidates].reverse()) {
        const r = rates.get(c)!;
        const heads = Array.from({ length: IN_FLIGHT }, () => c.tokens.issuePair(nextUser()).refresh.token);
        const refreshed = await throughput(THROUGHPUT_OPS, async (i) => {
          const k = i % IN_FLIGHT;
          heads[k] = (await c.tokens.refresh(heads[k]!)).refresh.token;
          return true;
        });
        r.refresh.push(refreshed.rate);
        r.refreshFailed += refreshed.failed;
        const sids = await sessionsOf(c, THROUGHPUT_OPS);
        const loggedOut = await throughput(
          THROUGHPUT_OPS,
          async (i) => (await c.tokens.revokeSession(sids[i]!)).persisted,
        );
        r.logout.push(loggedOut.rate);
        r.logoutFailed += loggedOut.failed;
      }
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const rateRows = candidates.map((c) => {
      const r = rates.get(c)!;
      const cell = (values: number[]) => `${median(values).toFixed(0)} (${values.map((v) => v.toFixed(0)).join(', ')})`;
      return [
        `waitForReplicas ${c.waitForReplicas}`,
        cell(r.refresh),
        String(r.refreshFailed),
        cell(r.logout),
        String(r.logoutFailed),
      ];
    });

    const latencyRows = candidates.flatMap((c) =>
      (['refresh', 'logout'] as const).map((op) => {
        const sorted = [...c[op]].sort((x, y) => x - y);
        return [
          `${op}, waitForReplicas ${c.waitForReplicas}`,
          us(percentile(sorted, 50)),
          us(percentile(sorted, 99)),
          String(sorted.length),
        ];
      }),
    );
    console.log(
      `Primary and one replica (redis-server ${/redis_version:(\S+)/.exec(await primary.client.info('server'))?.[1]}) ` +
        `on loopback${LINK_DELAY_MS > 0 ? `, the replica's stream delayed ${LINK_DELAY_MS} ms` : ''}; ${info.date}, ${info.cores} cores (${info.cpu}), Node ${info.node}, load average ` +
        `${info.load} at the start.\n`,
    );
    console.log(table(['sequential, wall clock', 'p50', 'p99', 'samples'], latencyRows));
    console.log('');
    console.log(
      table(
        [
          `${IN_FLIGHT} in flight, ${THROUGHPUT_OPS} a round, median (rounds)`,
          'refreshes/s',
          'answered 503',
          'logouts/s',
          'not persisted',
        ],
        rateRows,
      ),
    );
    for (const c of candidates) {
      if (c.unpersisted > 0)
        console.log(`\nwaitForReplicas ${c.waitForReplicas}: ${c.unpersisted} sequential logouts not persisted`);
    }
  } finally {
    for (const c of candidates) await c.close();
    for (const server of [replica, primary]) {
      server.client.disconnect();
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
    }
    await link?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
