import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DemoCluster,
  eventually,
  login,
  meOrError,
  PASSWORD,
  post,
  StatusCounts,
  type Instance,
} from './support/demo-instances.js';

const MAX_STALENESS_S = 4;

/**
 * Redis paused with SIGSTOP: its connections stay open and nothing answers, as in a network partition or a paused
 * VM. Only the heartbeat can tell; a closed connection never comes.
 */
describe('three demo instances on a Redis that stops answering (SIGSTOP)', () => {
  let cluster: DemoCluster;
  let instances: Instance[];

  beforeAll(async () => {
    cluster = await DemoCluster.start({ REVOCATION_MAX_STALENESS: String(MAX_STALENESS_S) });
    const a = await cluster.instance();
    instances = [a, ...(await Promise.all([cluster.instance(), cluster.instance()]))];
  }, 60_000);

  // The load loops run until this is false; a failed step leaves it to afterAll, so nothing outlives the suite.
  let loading = false;
  afterAll(async () => {
    loading = false;
    await cluster?.stop();
  });

  it('fails closed on every instance past maxStaleness, answers a logout 202 persisted: false, and converges after SIGCONT', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];
    for (const username of ['kept', 'victim', 'everywhere']) {
      expect((await post(a, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
    }
    const kept = await login(a, 'kept');
    const victim = await login(b, 'victim');
    const everywhere = await login(c, 'everywhere');
    for (const instance of instances) expect(await meOrError(instance, kept)).toBe('200');

    // Steady load on every instance, each answer kept with its time.
    const answers = instances.map(() => [] as { at: number; outcome: string }[]);
    const counts = new StatusCounts();
    loading = true;
    const load = instances.map(async (instance, i) => {
      while (loading) {
        const outcome = await meOrError(instance, kept);
        counts.add(outcome);
        answers[i]!.push({ at: Date.now(), outcome });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    cluster.redis.pause();
    const paused = Date.now();
    // A logout while Redis hangs: enforced on A at once, queued for Redis, and said so. Both sent at once, so both
    // are verified before maxStaleness passes even when the machine is slow (each waits out the write timeout).
    const [logout, logoutAll] = await Promise.all([
      post(a, '/auth/logout', {}, victim.access_token),
      post(b, '/auth/logout-all', {}, everywhere.access_token),
    ]);
    expect([logout.status, logout.body]).toEqual([202, { persisted: false }]);
    expect([logoutAll.status, logoutAll.body]).toEqual([202, { persisted: false }]);

    // Read from each instance's own load loop: a separate probe can see the 503 first, before the loop's next answer.
    for (const answered of answers) {
      await eventually(
        () => answered.some((x) => x.outcome === '503 revocation_unavailable'),
        'the instance fails closed',
        20_000,
      );
    }
    const failedClosed = answers.map(
      (answered) => answered.find((x) => x.outcome === '503 revocation_unavailable')!.at - paused,
    );
    // Once closed, closed until Redis answers: no token, revoked elsewhere or not, is accepted meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const resumed = Date.now();
    cluster.redis.resume();
    for (const [i, answered] of answers.entries()) {
      expect(
        answered.filter((x) => x.at > paused + failedClosed[i]! && x.at < resumed).map((x) => x.outcome),
      ).not.toContain('200');
    }

    for (const instance of instances) {
      await eventually(async () => (await meOrError(instance, kept)) === '200', 'the instance re-synchronises', 20_000);
    }
    const recovered = Date.now() - resumed;
    loading = false;
    await Promise.all(load);
    // The logouts queued during the hang reached the others: nothing lost.
    for (const [pair, others] of [
      [victim, [b, c]],
      [everywhere, [a, c]],
    ] as const) {
      for (const instance of others) {
        await eventually(
          async () => (await meOrError(instance, pair)) === '401 revoked_token',
          'the queued logout reaches every instance',
          10_000,
        );
      }
    }
    expect((await post(c, '/auth/logout', {}, kept.access_token)).status).toBe(204);

    process.stdout.write(
      `redis hang: ${counts.sent} requests ${JSON.stringify(counts.counts)}; failed closed after ${failedClosed.join(', ')} ms ` +
        `(maxStaleness ${MAX_STALENESS_S} s); all 200 again ${recovered} ms after SIGCONT; revocations lost: 0\n`,
    );
  }, 90_000);
});
