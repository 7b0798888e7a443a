import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DemoCluster,
  envInteger,
  FAULT_ENV,
  login,
  me,
  PASSWORD,
  post,
  refresh,
  register,
  sleep,
  summary,
  Tally,
  type Instance,
  type Pair,
} from './support/fault-cluster.js';

/**
 * Audit finding 1: a password change (or a logout-all) on instance A, sent 30-60 ms into a tight refresh loop of
 * 8 stolen sessions of the same user on another instance, was outrun: some chains kept a refresh token (and an
 * access token) that still worked afterwards. Audit figure: survivors in 30 of 154 trials (102 of 1232 chains).
 * Requirement: none.
 *
 * FAULT_TRIALS: trials; the owner's instance and the revocation (password change, logout-all) take turns. The
 * default finds today's bug with high probability: before the fix, about 1 trial in 4 had a survivor on two
 * instances (8 of 36 here, 30 of 130 in earlier runs), so about 12 trials show one 95% of the time; the default is 3
 * times that. The issue asks for 300 or more trials on two instances, and 100 or more with FAULT_INSTANCES=3: three
 * instances, the third (C) serving a background request loop throughout (before the fix: 2 trials of 20 had a
 * survivor so).
 *
 * Run: NODE_OPTIONS=--experimental-vm-modules FAULT_TRIALS=300 npx jest test/faults/user-revocation-race
 */
const DEFAULT_TRIALS = 36;
const TRIALS = envInteger('FAULT_TRIALS', DEFAULT_TRIALS);
const INSTANCES = envInteger('FAULT_INSTANCES', 2);
const CHAINS = 8;
const SETTLE_MS = 1000;

interface Chain {
  pair: Pair;
  on: Instance;
  refreshes: number;
  /** The last refresh answered 401: the loop stopped on it. */
  refused: boolean;
}

describe(`logout-all and password change against refreshes of stolen sessions on ${INSTANCES} instances`, () => {
  let cluster: DemoCluster;
  let instances: Instance[];
  let a: Instance;
  let loaded: Instance | undefined;

  beforeAll(async () => {
    if (INSTANCES !== 2 && INSTANCES !== 3) throw new Error('FAULT_INSTANCES must be 2 or 3');
    cluster = await DemoCluster.start(FAULT_ENV);
    a = await cluster.instance();
    const others = await Promise.all(Array.from({ length: INSTANCES - 1 }, () => cluster.instance()));
    instances = [a, ...others];
    loaded = INSTANCES === 3 ? others[1] : undefined;
  }, 60_000);

  // The load and refresh loops run while these are true; a failed step leaves them to afterAll.
  let loading = false;
  let running = false;
  afterAll(async () => {
    loading = false;
    running = false;
    await cluster?.stop();
  });

  it(
    'leaves no chain whose latest refresh or access token still works once the revocation has answered',
    async () => {
      // The background load on one instance: GET /me and a refresh chain of a bystander, without pause.
      loading = loaded !== undefined;
      const background: Promise<void>[] = [];
      const loadCounts = new Tally();
      if (loaded) {
        await register(a, 'bystander');
        for (let i = 0; i < 4; i++) {
          let pair = await login(loaded, 'bystander');
          background.push(
            (async () => {
              while (loading) {
                loadCounts.add((await me(loaded, pair)).outcome);
                const next = await refresh(loaded, pair.refresh_token);
                loadCounts.add(next.outcome);
                if (next.pair) pair = next.pair;
              }
            })(),
          );
        }
      }

      const loopOutcomes = new Tally();
      const checks = new Tally();
      let trialsWithSurvivors = 0;
      let survivingChains = 0;
      const byKind: Record<string, { trials: number; survived: number }> = {
        password: { trials: 0, survived: 0 },
        'logout-all': { trials: 0, survived: 0 },
      };
      const started = Date.now();

      // The instances take turns as the owner's (A in the audit); the stolen sessions refresh on the others. Turns
      // matter: each instance stamps tokens with its own estimate of Redis's clock, and a race is only visible
      // when the refreshing instance's estimate runs ahead of the owner's.
      const ownerOf = (trial: number) => instances[trial % instances.length]!;
      const kindOf = (trial: number) => (Math.floor(trial / instances.length) % 2 === 0 ? 'password' : 'logout-all');
      // A trial's user and its sessions: the owner's on its instance, the stolen ones logged in on every instance
      // in turn.
      const prepare = async (trial: number): Promise<{ owner: Pair; chains: Chain[] }> => {
        const refreshers = instances.filter((instance) => instance !== ownerOf(trial));
        const username = `race-${trial}`;
        await register(a, username);
        const owner = await login(ownerOf(trial), username);
        const chains = await Promise.all(
          Array.from({ length: CHAINS }, async (_, i) => ({
            pair: await login(instances[i % instances.length]!, username),
            on: refreshers[i % refreshers.length]!,
            refreshes: 0,
            refused: false,
          })),
        );
        return { owner, chains };
      };

      let prepared = prepare(0);
      prepared.catch(() => undefined);
      for (let trial = 0; trial < TRIALS; trial++) {
        const kind = kindOf(trial);
        const ownerOn = ownerOf(trial);
        const { owner, chains } = await prepared;

        running = true;
        const loops = chains.map(async (chain) => {
          while (running && !chain.refused) {
            const next = await refresh(chain.on, chain.pair.refresh_token);
            loopOutcomes.add(next.outcome);
            if (next.pair) {
              chain.pair = next.pair;
              chain.refreshes++;
            } else if (next.status === 401) {
              chain.refused = true;
            }
          }
        });

        await sleep(30 + Math.random() * 30);
        const revoked =
          kind === 'password'
            ? await post(
                ownerOn,
                '/auth/password',
                { old_password: PASSWORD, new_password: `${PASSWORD} ${trial}` },
                owner.access_token,
              )
            : await post(ownerOn, '/auth/logout-all', {}, owner.access_token);
        expect([kind, revoked.status]).toEqual([kind, kind === 'password' ? 200 : 204]);
        // The next trial's logins run meanwhile: this trial's race is decided once the revocation has answered.
        if (trial + 1 < TRIALS) {
          prepared = prepare(trial + 1);
          // Awaited at the next trial; marked handled so a failure of this one does not leave it unhandled.
          prepared.catch(() => undefined);
        }
        await sleep(SETTLE_MS);
        running = false;
        await Promise.all(loops);

        let survivors = 0;
        for (const chain of chains) {
          const outcomes = [
            ...(await Promise.all(instances.map((instance) => me(instance, chain.pair)))).map((x) => `me ${x.outcome}`),
            `refresh ${(await refresh(chain.on, chain.pair.refresh_token)).outcome}`,
          ];
          for (const outcome of outcomes) checks.add(outcome);
          // Accepted anywhere, by refresh or by GET /me: the chain survived the revocation.
          if (outcomes.some((outcome) => outcome.endsWith(' 200'))) survivors++;
        }
        byKind[kind]!.trials++;
        if (survivors > 0) {
          trialsWithSurvivors++;
          byKind[kind]!.survived++;
        }
        survivingChains += survivors;
      }

      loading = false;
      await Promise.all(background);
      summary(
        `revocation race (${INSTANCES} instances${loaded ? ', one under load' : ''}): ${TRIALS} trials, ` +
          `${TRIALS * CHAINS} chains, surviving chains ${survivingChains} in ${trialsWithSurvivors} trials ` +
          `(password ${byKind.password!.survived}/${byKind.password!.trials}, logout-all ` +
          `${byKind['logout-all']!.survived}/${byKind['logout-all']!.trials}); ` +
          `loop answers ${loopOutcomes}; checks ${checks}` +
          `${loaded ? `; load ${loadCounts}` : ''}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect({ trialsWithSurvivors, survivingChains }).toEqual({ trialsWithSurvivors: 0, survivingChains: 0 });
    },
    60_000 + TRIALS * 15_000,
  );
});
