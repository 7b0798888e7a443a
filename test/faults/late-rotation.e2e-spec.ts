import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  DemoCluster,
  FAULT_ENV,
  login,
  logsOf,
  me,
  refresh,
  register,
  REUSE_LOG,
  sleep,
  summary,
  Tally,
  type Instance,
  type Pair,
} from './support/fault-cluster.js';

/**
 * Audit finding 3: instance C reaches Redis through a path that stalls (a TCP proxy holding every byte). A refresh
 * sent to C times out (503 after the store's write timeout, 2 s); the client retries on A, gets its successor and
 * refreshes on there. When the path heals, C's rotation reaches Redis late, meets a record that moved on, and is
 * taken for reuse: the live session is revoked. Requirement: the session stays live, and no reuse is logged.
 */
const BLACKHOLE_MS = 4000;
const SESSIONS = 3;

describe('a rotation held on a stalled path to Redis and delivered late', () => {
  let cluster: DemoCluster;
  let proxy: TcpProxy;
  let a: Instance, b: Instance, c: Instance;

  beforeAll(async () => {
    cluster = await DemoCluster.start(FAULT_ENV);
    proxy = await TcpProxy.start(cluster.redis.port);
    a = await cluster.instance();
    [b, c] = await Promise.all([cluster.instance(), cluster.instance({ REDIS_URL: proxy.url })]);
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await cluster?.stop();
  });

  it('keeps the session live once the late rotation lands, and logs no reuse', async () => {
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        await register(a, `late-${i}`);
        // One refresh through C's proxy first: the path works, and the session has a record in Redis.
        const first = await refresh(c, (await login(a, `late-${i}`)).refresh_token);
        expect(first.outcome).toBe('200');
        return { pair: first.pair!, refreshesOnA: 0 };
      }),
    );

    const onC = new Tally();
    const retries = new Tally();
    const cAnsweredAfter: number[] = [];
    proxy.blackhole();
    const blackholed = Date.now();
    await Promise.all(
      clients.map(async (client) => {
        const sent = Date.now();
        const stalled = await refresh(c, client.pair.refresh_token);
        cAnsweredAfter.push(Date.now() - sent);
        onC.add(stalled.outcome);
        // The client retries the same token on A, and goes on refreshing there.
        let pair: Pair | undefined;
        do {
          const next = await refresh(a, (pair ?? client.pair).refresh_token);
          retries.add(next.outcome);
          if (!next.pair) break;
          pair = next.pair;
          client.refreshesOnA++;
          await sleep(300);
        } while (Date.now() - blackholed < BLACKHOLE_MS);
        if (pair) client.pair = pair;
      }),
    );
    const held = proxy.heldBytes;
    await sleep(Math.max(0, BLACKHOLE_MS - (Date.now() - blackholed)));
    proxy.resume();
    // What C sent meanwhile reaches Redis now; give it, and C's resynchronisation, time to land.
    await sleep(1500);

    const access = new Tally();
    const refreshAfter = new Tally();
    for (const client of clients) {
      for (const instance of [a, b, c]) access.add((await me(instance, client.pair)).outcome);
      refreshAfter.add((await refresh(a, client.pair.refresh_token)).outcome);
    }
    const reuseLines = logsOf([a, b, c])
      .split('\n')
      .filter((line) => REUSE_LOG.test(line));

    summary(
      `late rotation (C blackholed ${BLACKHOLE_MS} ms, ${held} bytes held): ${SESSIONS} sessions; refresh on C ${onC} ` +
        `after ${cAnsweredAfter.join('/')} ms; on A ${retries} (${clients.map((x) => x.refreshesOnA).join('/')} ` +
        `refreshes); after resume: latest refresh token ${refreshAfter} (refused ${SESSIONS - refreshAfter.get('200')} ` +
        `of ${SESSIONS}), access token /me on A, B, C ${access}; reuse logged ${reuseLines.length} lines`,
    );
    expect(onC.counts).toEqual({ '503 revocation_unavailable': SESSIONS });
    expect({ refreshAfter: refreshAfter.counts, access: access.counts, reuseLines }).toEqual({
      refreshAfter: { '200': SESSIONS },
      access: { '200': SESSIONS * 3 },
      reuseLines: [],
    });
  }, 60_000);
});
