import { describe, expect, it } from '@jest/globals';
import { redisCommand } from '../support/redis-admin.js';
import { SentinelGroup } from '../support/redis-sentinel.js';
import {
  DemoCluster,
  envInteger,
  FAULT_ENV,
  login,
  logsOf,
  post,
  refresh,
  register,
  sleep,
  summary,
  Tally,
  type Answer,
  type Instance,
  type Pair,
} from './support/fault-cluster.js';

/**
 * Issue 22, point 6: Sentinel failover while the replica lags about 1 s behind the primary (three demo instances
 * through `REDIS_URL=redis+sentinel://...`, the primary killed under load). Reported: 16 forks among 25 sessions
 * whose spent refresh token a thief presented first after the promotion, 25 to 48 legitimate sessions refused as
 * reuse, and sessions logged out in the lag window still live on the promoted replica. This test before the fix (6
 * runs; waitForReplicas did not exist): 17 to 21 forks of 25, 42 to 46 of 50 owner-only sessions refused as reuse,
 * 10 of 10 logged-out sessions with a live record on the promoted replica (their refresh was refused only by the
 * access-side revocation the instances wrote back, which expires long before the refresh token), no loss logged.
 *
 * Requirements. `REDIS_WAIT_REPLICAS=0` (the default): the failover loses the writes of the lag window; it must be
 * taken for a possible loss, so a spent token is refused (`session_reset`), never forked, and no logged-out session
 * refreshes. `REDIS_WAIT_REPLICAS=1`: a rotation or revocation is answered only once the replica holds it, so
 * nothing answered is lost: no fork, no logged-out session alive, no legitimate session refused as reuse.
 *
 * A fork: the thief's spent token answered with a new pair (the promoted replica lacked the rotation that spent
 * it), and the owner's own token still refreshes afterwards: two holders of one session. A thief answered with the
 * owner's own pair ("200 same pair") met the replay window (30 s, the demo's default): a spent token presented again
 * while its successor is unused returns that successor, as for a retry (docs/revocation.md); it is not a fork.
 *
 * One failover, one primary at the end: with `down-after-milliseconds` 1000 the Sentinels sometimes took the
 * promoted replica for down a second after promoting it and failed over again, to the former primary just rejoined,
 * leaving two primaries; an instance started then was sent to the former one, whose records predate the logouts'
 * write-back (it accepted all 10 logged-out sessions in one CI run). That is the harness's Sentinel setting (see
 * SentinelGroup), not a guarantee of the library's: no client of a split Redis can tell.
 *
 * FAULT_SESSIONS (default 25): sessions whose spent token a thief presents first; twice as many sessions only their
 * owner continues; FAULT_LOGOUTS (default 10) sessions logged out in the last second before the kill;
 * FAULT_LAG_MS (default 1000): the replication lag.
 */
const THIEF_SESSIONS = envInteger('FAULT_SESSIONS', 25);
const OWNER_SESSIONS = 2 * THIEF_SESSIONS;
const LOGOUTS = envInteger('FAULT_LOGOUTS', 10);
const LAG_MS = envInteger('FAULT_LAG_MS', 1000);
/** How long the sessions refresh while the replica lags, before the kill. */
const LOAD_MS = 3000;
/** Each session refreshes every 0.5 to 1.5 s, so about one refresh of each falls in the lag window. */
const REFRESH_EVERY_MS = [500, 1500] as const;
/** How long the presentations after the promotion may retry a 503 (the instances not reconnected yet), in all. */
const SETTLE_MS = 12_000;
const USERS = 5;
const LOSS_LOG = /Redis lost (its )?data/;

interface Session {
  kind: 'thief' | 'owner' | 'logout';
  pair: Pair;
  /** The refresh token the owner exchanged last (answered 200): spent. */
  spent: string;
  refreshes: number;
  loggedOut?: string;
}

/** The session id of a token (bytes 27-42 of its body, docs/token-format.md), as the store's keys spell it. */
function sessionId(token: string): string {
  return Buffer.from(token.slice('nta1.'.length), 'base64url').subarray(27, 43).toString('base64url');
}

/** Presents until the answer is not a 503 or a refused connection (the instances reconnecting), or `deadline`. */
async function settled(request: () => Promise<Answer>, deadline: number): Promise<Answer> {
  for (;;) {
    const answer = await request();
    if ((answer.status !== 503 && answer.status !== 0) || Date.now() > deadline) return answer;
    await sleep(100);
  }
}

async function health(instance: Instance): Promise<string> {
  try {
    const body = (await (await fetch(`${instance.url}/health`)).json()) as { revocationStore?: string };
    return body.revocationStore ?? '?';
  } catch {
    return 'unreachable';
  }
}

interface Outcome {
  line: string;
  forks: number;
  thiefAccepted: number;
  ownersReuse: number;
  ownersReset: number;
  loggedOutAlive: number;
  liveRecords: number;
  lossLogged: number;
  /** Servers that say they are a primary at the end: 2 means the Sentinels failed over again (the harness's fault). */
  primaries: number;
  /** Failovers the Sentinels started from the promoted replica: a second failover, whatever its end. */
  secondFailovers: number;
}

async function scenario(waitForReplicas: number): Promise<Outcome> {
  const group = await SentinelGroup.start({ sentinels: 3 });
  let cluster: DemoCluster | undefined;
  // The refresh loops run until this is false, which the finally makes sure of when a step fails.
  let loading = false;
  try {
    cluster = await DemoCluster.start({
      ...FAULT_ENV,
      REDIS_URL: group.url,
      REDIS_WAIT_REPLICAS: String(waitForReplicas),
      // The wait for the replica is half of it: 2 s, twice the lag.
      REVOCATION_WRITE_TIMEOUT: '4000',
    });
    const first = await cluster.instance();
    const instances = [first, ...(await Promise.all([cluster.instance(), cluster.instance()]))];
    const on = (i: number) => instances[i % instances.length]!;

    await Promise.all(Array.from({ length: USERS }, (_, u) => register(first, `failover-${u}`)));
    const kinds = [
      ...Array<Session['kind']>(THIEF_SESSIONS).fill('thief'),
      ...Array<Session['kind']>(OWNER_SESSIONS).fill('owner'),
      ...Array<Session['kind']>(LOGOUTS).fill('logout'),
    ];
    // Each session refreshed once before the lag: it has a record, and a spent token.
    const sessions: Session[] = await Promise.all(
      kinds.map(async (kind, s) => {
        const pair = await login(on(s), `failover-${s % USERS}`);
        const next = await settled(() => refresh(on(s + 1), pair.refresh_token), Date.now() + SETTLE_MS);
        if (!next.pair) throw new Error(`first refresh answered ${next.outcome}`);
        return { kind, pair: next.pair, spent: pair.refresh_token, refreshes: 1 };
      }),
    );

    // The lag is the link's: the replica must still replicate through it.
    if (!(await group.replicatingThroughLink())) throw new Error('the replica no longer replicates through the link');
    group.replicationLink.lag(LAG_MS, 'toClient');
    await sleep(LAG_MS);
    const started = Date.now();
    const killAt = started + LOAD_MS;
    const during = new Tally();
    const logouts = new Tally();
    loading = true;
    const load = sessions.map(async (session, s) => {
      if (session.kind === 'logout') {
        // Logged out at a random moment of the last lag window before the kill (refreshed only before the lag).
        await sleep(killAt - LAG_MS + 100 + Math.random() * (LAG_MS - 200) - Date.now());
        const { status, body } = await post(on(s + 1), '/auth/logout', {}, session.pair.access_token);
        session.loggedOut = status === 202 && body.persisted === false ? '202 persisted false' : String(status);
        logouts.add(session.loggedOut);
        return;
      }
      let k = s;
      await sleep(Math.random() * REFRESH_EVERY_MS[1]);
      while (loading) {
        const answer = await refresh(on(++k), session.pair.refresh_token);
        during.add(answer.outcome);
        if (answer.pair) {
          session.spent = session.pair.refresh_token;
          session.pair = answer.pair;
          session.refreshes++;
        } else if (answer.status === 401) {
          return;
        }
        const [least, most] = REFRESH_EVERY_MS;
        await sleep(least + Math.random() * (most - least));
      }
    });

    await sleep(killAt - Date.now());
    const lagBytes = await group.replicationLagBytes().catch(() => NaN);
    const pendingBytes = group.replicationLink.pendingBytes;
    const throughLink = await group.replicatingThroughLink();
    await group.crashPrimary();
    const killed = Date.now();
    if (!throughLink) throw new Error('the replica did not replicate through the lagging link at the kill');
    loading = false;
    await Promise.all(load);
    await group.promoted();
    const promotedAfter = Date.now() - killed;
    // The failed host comes back as a replica of the promoted one: with waitForReplicas 1, writes are acknowledged
    // again from then on.
    await group.rejoinFormerPrimary();
    const rejoinedAfter = Date.now() - killed;
    // Every instance back on the promoted replica (or giving up); the presentations retry a 503 until `deadline`.
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline && (await Promise.all(instances.map(health))).some((h) => h !== 'connected')) {
      await sleep(100);
    }
    const connectedAfter = Date.now() - killed;

    // (a) A thief presents each thief session's spent refresh token first; then its owner goes on.
    const thief = new Tally();
    const ownerAfterThief = new Tally();
    let forks = 0;
    const thieves = sessions.filter((session) => session.kind === 'thief');
    await Promise.all(
      thieves.map(async (session, s) => {
        const stolen = await settled(() => refresh(on(s + 1), session.spent), deadline);
        const replayed =
          stolen.pair?.refresh_token === session.pair.refresh_token &&
          stolen.pair?.access_token === session.pair.access_token;
        thief.add(stolen.pair ? (replayed ? '200 same pair' : '200 new pair') : stolen.outcome);
        const owner = await settled(() => refresh(on(s + 2), session.pair.refresh_token), deadline);
        ownerAfterThief.add(owner.outcome);
        if (stolen.pair && !replayed && owner.pair) forks++;
      }),
    );
    // (b) The other owners go on.
    const owners = new Tally();
    await Promise.all(
      sessions
        .filter((session) => session.kind === 'owner')
        .map(async (session, s) =>
          owners.add((await settled(() => refresh(on(s), session.pair.refresh_token), deadline)).outcome),
        ),
    );
    // (c) The sessions logged out in the lag window: their record on the new primary, then their refresh token on
    // an instance started after the failover (its replica holds only what Redis holds) and on the running ones
    // (whose replicas heard the logouts before the kill).
    const loggedOut = sessions.filter((session) => session.kind === 'logout');
    const records = new Tally();
    for (const session of loggedOut) {
      const key = `nta:revocation:f:${sessionId(session.pair.refresh_token)}`;
      const record = await redisCommand(group.replica.url, 'GET', key);
      records.add(record === null ? 'absent' : record === '-' ? 'revoked' : 'live');
    }
    const late = await cluster.instance();
    const onLate = new Tally();
    const onRunning = new Tally();
    const lateDeadline = Math.max(deadline, Date.now() + 5000);
    for (const [s, session] of loggedOut.entries()) {
      onLate.add((await settled(() => refresh(late, session.pair.refresh_token), lateDeadline)).outcome);
      onRunning.add((await settled(() => refresh(on(s), session.pair.refresh_token), lateDeadline)).outcome);
    }

    const primaries = await group.primaries();
    const lossLogged = instances.filter((instance) => LOSS_LOG.test(logsOf([instance]))).length;
    const refreshes = sessions.reduce((n, session) => n + session.refreshes, 0) - sessions.length;
    const thiefAccepted = thief.get('200 new pair') + thief.get('200 same pair');
    const ownersReuse = owners.get('401 revoked_token');
    const loggedOutAlive = onLate.get('200') + onRunning.get('200');
    const line =
      `sentinel failover (waitForReplicas ${waitForReplicas}, replication lag ${LAG_MS} ms, 3 instances, 3 ` +
      `Sentinels): load ${LOAD_MS} ms, ${refreshes} refreshes answered 200 ${during}; at the kill the replica was ` +
      `${lagBytes} bytes behind (${pendingBytes} in flight on its link); promoted ${promotedAfter} ms after the ` +
      `kill, the failed host back as a replica after ${rejoinedAfter} ms, instances connected after ${connectedAfter} ms; loss logged by ${lossLogged} of 3 instances. ` +
      `(a) ${THIEF_SESSIONS} thief-first sessions: thief ${thief}, owner after ${ownerAfterThief}, forks ${forks} ` +
      `of ${THIEF_SESSIONS}; (b) ${OWNER_SESSIONS} owner-only sessions: ${owners} (refused as reuse ${ownersReuse}, ` +
      `session_reset ${owners.get('401 session_reset')}); (c) ${LOGOUTS} logged out in the lag window: logout ` +
      `${logouts}, record on the promoted replica ${records}, refresh on an instance started after the failover ` +
      `${onLate}, on the running ones ${onRunning} (accepted ${loggedOutAlive} of ${2 * LOGOUTS}); ${primaries} ` +
      `primary at the end, ${group.failoversFromPromoted} failovers started from the promoted replica`;
    return {
      line,
      forks,
      thiefAccepted,
      ownersReuse,
      ownersReset: owners.get('401 session_reset'),
      loggedOutAlive,
      liveRecords: records.get('live'),
      lossLogged,
      primaries,
      secondFailovers: group.failoversFromPromoted,
    };
  } finally {
    loading = false;
    await cluster?.stop();
    await group.stop();
  }
}

describe('Sentinel failover to a replica lagging 1 s, the primary killed under load, 3 instances', () => {
  it('without waiting for replicas: the failover is taken for a loss, and no spent token is forked', async () => {
    const outcome = await scenario(0);
    summary(outcome.line);
    expect({
      primaries: outcome.primaries,
      secondFailovers: outcome.secondFailovers,
      forks: outcome.forks,
      thiefAccepted: outcome.thiefAccepted,
      loggedOutAlive: outcome.loggedOutAlive,
    }).toEqual({ primaries: 1, secondFailovers: 0, forks: 0, thiefAccepted: 0, loggedOutAlive: 0 });
  }, 90_000);

  it('with REDIS_WAIT_REPLICAS=1: nothing answered is lost', async () => {
    const outcome = await scenario(1);
    summary(outcome.line);
    expect({
      primaries: outcome.primaries,
      secondFailovers: outcome.secondFailovers,
      forks: outcome.forks,
      loggedOutAlive: outcome.loggedOutAlive,
      liveRecords: outcome.liveRecords,
      ownersReuse: outcome.ownersReuse,
      ownersReset: outcome.ownersReset,
    }).toEqual({
      primaries: 1,
      secondFailovers: 0,
      forks: 0,
      loggedOutAlive: 0,
      liveRecords: 0,
      ownersReuse: 0,
      ownersReset: 0,
    });
  }, 90_000);
});
