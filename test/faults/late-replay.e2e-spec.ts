import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DemoCluster,
  FAULT_ENV,
  login,
  me,
  refresh,
  register,
  sleep,
  summary,
  logsOf,
  REUSE_LOG,
  Tally,
  type Instance,
  type Pair,
} from './support/fault-cluster.js';

/**
 * Audit finding 2: a spent refresh token presented again is answered with its successor pair however late it
 * comes, as long as the successor is unused. Requirement: only within the replay window (`REFRESH_REPLAY_WINDOW`
 * seconds, default 30; 2 here) is it answered with the same pair, byte for byte; after it, the token is reuse:
 * 401 `revoked_token`, and the whole session is revoked on every instance.
 */
const WINDOW_S = 2;
const SESSIONS = 3;

describe(`a spent refresh token replayed on another instance, within and after a ${WINDOW_S} s replay window`, () => {
  let cluster: DemoCluster;
  let instances: Instance[];

  beforeAll(async () => {
    cluster = await DemoCluster.start({ ...FAULT_ENV, REFRESH_REPLAY_WINDOW: String(WINDOW_S) });
    const a = await cluster.instance();
    instances = [a, ...(await Promise.all([cluster.instance(), cluster.instance()]))];
  }, 60_000);

  afterAll(() => cluster?.stop());

  it('answers the same pair within the window, and revokes the session for a replay after it', async () => {
    const [a, b] = instances as [Instance, Instance, Instance];
    const sessions = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        await register(a, `replay-${i}`);
        return { r0: await login(a, `replay-${i}`), p1: undefined as unknown as Pair, usedAt: 0 };
      }),
    );

    const inWindow = new Tally();
    for (const session of sessions) {
      const first = await refresh(a, session.r0.refresh_token);
      expect(first.outcome).toBe('200');
      session.p1 = first.pair!;
      session.usedAt = Date.now();
      // Within the window, R1 unused: the same successor pair, byte for byte.
      const again = await refresh(b, session.r0.refresh_token);
      const same =
        again.pair?.access_token === session.p1.access_token && again.pair?.refresh_token === session.p1.refresh_token;
      inWindow.add(again.outcome === '200' ? (same ? '200 same pair' : '200 another pair') : again.outcome);
    }

    // Past the window (R1 still unused): reuse.
    await sleep(Math.max(...sessions.map((s) => s.usedAt)) + WINDOW_S * 1000 + 1000 - Date.now());
    const late = new Tally();
    for (const session of sessions) late.add((await refresh(b, session.r0.refresh_token)).outcome);
    // The revocation reaches the other instances through Redis.
    await sleep(500);
    const accessAfter = new Tally();
    const refreshAfter = new Tally();
    for (const session of sessions) {
      for (const instance of instances) accessAfter.add((await me(instance, session.p1)).outcome);
      for (const instance of instances) refreshAfter.add((await refresh(instance, session.p1.refresh_token)).outcome);
    }

    // The reuse is logged (also the check that the log pattern of late-rotation.e2e-spec.ts still matches).
    const reuseLines = logsOf(instances)
      .split('\n')
      .filter((line) => REUSE_LOG.test(line)).length;
    const checks = SESSIONS * instances.length;
    summary(
      `late replay (window ${WINDOW_S} s): ${SESSIONS} sessions; replay within the window ${inWindow}; ` +
        `replay after it ${late}; then on ${instances.length} instances: R1 refresh ${refreshAfter} ` +
        `(accepted ${refreshAfter.get('200')} of ${checks}), access token /me ${accessAfter} ` +
        `(accepted ${accessAfter.get('200')} of ${checks}); reuse logged ${reuseLines} lines`,
    );
    expect({
      inWindow: inWindow.counts,
      late: late.counts,
      refreshAfter: refreshAfter.counts,
      accessAfter: accessAfter.counts,
      reuseLogged: reuseLines >= SESSIONS,
    }).toEqual({
      inWindow: { '200 same pair': SESSIONS },
      late: { '401 revoked_token': SESSIONS },
      refreshAfter: { '401 revoked_token': checks },
      accessAfter: { '401 revoked_token': checks },
      reuseLogged: true,
    });
  }, 60_000);
});
