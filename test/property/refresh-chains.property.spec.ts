import { afterAll, afterEach, beforeAll, describe, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  ManualClock,
  MemoryRevocationStore,
  StaticKeyProvider,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
  generateKey,
  type RevocationStore,
  type TokenPair,
} from 'nestjs-token-auth';
import { codeOf } from '../support/error-code.js';
import { eventually } from '../support/eventually.js';
import { flushAll, redisCommand } from '../support/redis-admin.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { RedisStores } from '../revocation/support/redis-stores.js';

/**
 * Random interleavings of logins, refreshes, replays of spent refresh tokens (within the replay window, and after
 * it), logout, logout-all, a loss of the store's data, a restart from an older snapshot, and a refresh delivered
 * after its caller gave up, run against the memory store (the rotation rule in
 * TypeScript, on a ManualClock) and the Redis store (the same rule in Lua, stamped with Redis's TIME, on a real
 * redis-server started here). After every step:
 * - never two live chains in one session: a refresh succeeds only for the chain's head (a new successor, the same
 *   one for every concurrent presenter) or for the token spent just before it (the head itself, again);
 * - no revoked session alive again: after logout, logout-all or a detected reuse, none of its access tokens
 *   verifies and none of its refresh tokens refreshes;
 * - no live session revoked by a replay within the window: the token spent last, presented again within the
 *   window while its successor is unused, gets that successor.
 *
 * PROPERTY_RUNS sets the number of runs for both stores (default: 200 on memory, 25 on Redis).
 */

type Step =
  | { op: 'login'; user: number }
  /** Presents the chain's token `back` places behind its head (0: the head, 1: the token spent last...). */
  | { op: 'refresh'; session: number; back: number }
  /** Two clients at once (two tabs, a retry racing the first attempt). */
  | { op: 'together'; session: number; backs: [number, number] }
  /** The token spent last, once its replay window has passed. */
  | { op: 'replayAfterWindow'; session: number }
  | { op: 'logout'; session: number }
  | { op: 'logoutAll'; user: number }
  | { op: 'loseData' }
  /** The store saves a snapshot, and later comes back from it (a restart from an older snapshot). */
  | { op: 'snapshot' }
  | { op: 'rollback' }
  /** A refresh of the head that reaches the store only after its caller was answered 503. */
  | { op: 'late'; session: number }
  /** Time passes: a fraction (in thousandths) of the replay window. */
  | { op: 'wait'; permille: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('login' as const), user: fc.nat(1) }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('refresh' as const), session: fc.nat(3), back: fc.constant(0) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('refresh' as const),
      session: fc.nat(3),
      back: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('together' as const),
      session: fc.nat(3),
      backs: fc.tuple(fc.nat(2), fc.nat(2)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replayAfterWindow' as const), session: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('logout' as const), session: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('logoutAll' as const), user: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'loseData' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'rollback' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('late' as const), session: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wait' as const), permille: fc.integer({ min: 1, max: 1500 }) }),
  },
);

const envRuns = Number(process.env.PROPERTY_RUNS);
const runsFor = (fallback: number) => (Number.isInteger(envRuns) && envRuns > 0 ? envRuns : fallback);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store under test, as one run sees it. */
interface Harness {
  /** The replay window, in seconds (whole seconds, as the option takes it). */
  readonly windowS: number;
  /** The current time on the store's clock, as near as this process can tell. */
  now(): number;
  /** Lets `ms` pass on the store's clock; false when the run's budget of real time is spent (the step is skipped). */
  pass(ms: number): Promise<boolean>;
  /** Before each operation: the module's clock reads the store's. */
  sync(): void;
  /** A store for a run. */
  create(): Promise<RevocationStore>;
  /** Everything the store held is lost. Resolves to the store to use afterwards (a new one means a new process). */
  loseData(store: RevocationStore): Promise<RevocationStore>;
  /** Saves what the store holds now. */
  snapshot(): Promise<void>;
  /**
   * The store comes back from the last snapshot (or empty): what was written since is lost. Resolves to the store
   * to use afterwards, once it serves again.
   */
  rollback(store: RevocationStore): Promise<RevocationStore>;
  /**
   * Runs `refresh` while the store cannot be reached, and lets the held request reach it after the caller gave up;
   * false when the store has no network (the step is skipped).
   */
  deliverLate(refresh: () => Promise<unknown>): Promise<boolean>;
  /** A new store after a loss forgets the revocations made before (a memory store's restart). */
  readonly forgetsRevocations: boolean;
  /** The loss is noticed only by the next refresh (Redis's epoch marker), not at once. */
  readonly noticesLossLate: boolean;
  /** The margin around the window within which a replay's outcome is not asserted (real time has jitter). */
  readonly marginMs: number;
  readonly clock: ManualClock;
  closeAll(): Promise<void>;
}

function memoryHarness(): Harness {
  const clock = new ManualClock(1_700_000_000_000);
  return {
    windowS: 30,
    clock,
    now: () => clock.now(),
    pass: async (ms) => {
      clock.advance(ms);
      return true;
    },
    sync: () => undefined,
    create: async () => new MemoryRevocationStore({ clock: clock.now }),
    loseData: async () => {
      // A restarted process: its store's data begins at its creation, a second later at least, so after every token
      // the old one issued, those stamped a few milliseconds ahead at a user's cut-off included.
      clock.advance(1000);
      return new MemoryRevocationStore({ clock: clock.now });
    },
    snapshot: async () => undefined,
    // A memory store has no snapshot: it comes back from a restart empty.
    rollback: async () => {
      clock.advance(1000);
      return new MemoryRevocationStore({ clock: clock.now });
    },
    deliverLate: async () => false,
    forgetsRevocations: true,
    noticesLossLate: false,
    marginMs: 0,
    closeAll: async () => undefined,
  };
}

/** Real time slept per run, at most: after-window replays and waits beyond it are skipped. */
const REDIS_SLEEP_BUDGET_MS = 1_300;

/** The write timeout of the Redis harness's stores: a refresh's deadline on Redis's clock is half of it. */
const REDIS_WRITE_TIMEOUT_MS = 600;

function redisHarness(server: () => RedisServer, proxy: () => TcpProxy): Harness {
  const clock = new ManualClock(Date.now());
  const stores = new RedisStores({ writeTimeout: REDIS_WRITE_TIMEOUT_MS });
  let slept = 0;
  return {
    windowS: 1,
    clock,
    now: () => Date.now(),
    pass: async (ms) => {
      if (slept + ms > REDIS_SLEEP_BUDGET_MS) return false;
      slept += ms;
      await sleep(ms);
      return true;
    },
    // Redis's TIME and Date.now read the same machine clock.
    sync: () => clock.set(Date.now()),
    create: async () => {
      slept = 0;
      return stores.on(server(), {
        connection: { port: proxy().port, host: '127.0.0.1', retryStrategy: () => 50 },
      });
    },
    loseData: async (store) => {
      await flushAll(server().url);
      return store;
    },
    snapshot: async () => {
      await redisCommand(server().url, 'SAVE');
    },
    rollback: async (store) => {
      await server().restart();
      await eventually(() => {
        const health = store.health();
        return health.connected === true && health.staleSince === undefined;
      }, 'the store serves again after the restart');
      return store;
    },
    deliverLate: async (refresh) => {
      const held = REDIS_WRITE_TIMEOUT_MS + 100;
      if (slept + held > REDIS_SLEEP_BUDGET_MS) return false;
      slept += held;
      proxy().blackhole();
      try {
        await refresh();
        await sleep(held - REDIS_WRITE_TIMEOUT_MS);
      } finally {
        proxy().resume();
      }
      // The held script reaches Redis now, past its deadline; give it the time to be answered.
      await sleep(50);
      return true;
    },
    forgetsRevocations: false,
    noticesLossLate: true,
    marginMs: 150,
    closeAll: () => stores.closeAll(),
  };
}

interface Session {
  sub: string;
  sid: string;
  /** Every refresh token handed out in the chain, oldest first; the last is the head. */
  chain: string[];
  accessTokens: string[];
  /** When the token spent last was first used (the head's issue time, on the store's clock). */
  headIssuedAt: number;
  /** Why no token of it may refresh any more; undefined while live. */
  ended?: 'logout' | 'logoutAll' | 'reuse' | 'lost' | 'reset';
  /** Logged in after a data loss the store had not noticed yet: its first refresh may answer session_reset. */
  mayReset: boolean;
  /** Ended before a store that forgets revocations lost its data: its access tokens are no longer known revoked. */
  forgotten: boolean;
  /** The chain's length when the store last saved a snapshot (undefined: logged in after it). */
  chainAtSnapshot?: number;
  /** The store came back from a snapshot older than some of this chain's refreshes: a spent token refreshing is a fork. */
  spentLost?: boolean;
}

const revoked = (s: Session) => s.ended === 'logout' || s.ended === 'logoutAll' || s.ended === 'reuse';

let server: RedisServer | undefined;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  server = await RedisServer.start();
  proxy = await TcpProxy.start(server.port);
});

afterAll(async () => {
  await proxy?.close();
  await server?.kill();
});

describe.each<[string, () => Harness, number]>([
  ['MemoryRevocationStore', memoryHarness, runsFor(200)],
  [
    'RedisRevocationStore',
    () =>
      redisHarness(
        () => server!,
        () => proxy!,
      ),
    runsFor(25),
  ],
])('refresh chains on %s (property)', (_name, makeHarness, numRuns) => {
  const modules: TestingModule[] = [];
  const harness = makeHarness();

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((m) => m.close()));
    await harness.closeAll();
  });

  it('never two live chains, no revoked session alive again, no live session revoked by a replay within the window', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const key = generateKey();
    const windowMs = harness.windowS * 1000;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
        await Promise.all(modules.splice(0).map((m) => m.close()));
        await harness.closeAll();
        const run = randomBytes(4).toString('hex');
        const users = [`alice-${run}`, `bob-${run}`];
        const { clock } = harness;
        harness.sync();
        const start = async (store: RevocationStore): Promise<TokenService> => {
          const moduleRef = await Test.createTestingModule({
            imports: [
              TokenAuthModule.forTesting({
                keyProvider: new StaticKeyProvider([key]),
                clock,
                revocationStore: store,
                refreshReplayWindow: harness.windowS,
              }),
            ],
          }).compile();
          modules.push(moduleRef);
          return moduleRef.get(TokenService);
        };
        let store = await harness.create();
        let tokens = await start(store);
        const sessions: Session[] = [];
        let lossPending = false; // Redis lost its data and no refresh has noticed it yet

        const login = (sub: string) => {
          harness.sync();
          const pair = tokens.issuePair(sub);
          sessions.push({
            sub,
            sid: pair.access.claims.sid,
            chain: [pair.refresh.token],
            accessTokens: [pair.access.token],
            headIssuedAt: pair.refresh.claims.issuedAt,
            mayReset: lossPending,
            forgotten: false,
          });
        };
        const present = async (token: string): Promise<TokenPair | TokenAuthError> => {
          harness.sync();
          return tokens.refresh(token).catch((error: unknown) => {
            if (error instanceof TokenAuthError) return error;
            throw error;
          });
        };
        const tokenAt = (s: Session, back: number) => s.chain[Math.max(0, s.chain.length - 1 - back)]!;

        /**
         * Settles refreshes presented at once against the chain as it stood before them: `within` says whether the
         * token spent last was, for sure, presented within its window (undefined: too near its end to tell).
         */
        const settle = (s: Session, presented: string[], results: (TokenPair | TokenAuthError)[], within?: boolean) => {
          const head = jtiOf(s.chain.at(-1)!);
          const parent = s.chain.length > 1 ? jtiOf(s.chain.at(-2)!) : undefined;
          const endedBefore = s.ended;
          // Presented alongside the token spent last or an older one, the head may come after a detected reuse.
          const onlyHead = presented.every((token) => jtiOf(token) === head);
          let successor: string | undefined;
          let successorToken: string | undefined;
          let successorIssuedAt: number | undefined;
          results.forEach((result, i) => {
            const jti = jtiOf(presented[i]!);
            const what = `session ${s.sid}: ${jti === head ? 'head' : jti === parent ? 'token spent last' : 'older token'}`;
            if (result instanceof TokenAuthError) {
              expectIn(`${what} refused`, result.code, ['revoked_token', 'session_reset', 'token_expired']);
              if (result.code === 'token_expired') return;
              // A live session's head refreshes, unless the store lost its data (then session_reset).
              if (endedBefore === undefined && onlyHead) {
                expectIn(`live ${what} refused`, result.code, s.mayReset ? ['session_reset'] : []);
              }
              // Invariant: a replay within the window does not revoke a live session.
              if (endedBefore === undefined && jti === parent && within === true && results.length === 1) {
                expectIn(
                  `live ${what} replayed within the window refused`,
                  result.code,
                  s.mayReset ? ['session_reset'] : [],
                );
              }
              if (s.ended === undefined) s.ended = result.code === 'session_reset' ? 'reset' : 'reuse';
              return;
            }
            // Invariant: no revoked (or lost) session refreshes again.
            if (endedBefore !== undefined) throw new Error(`${what} of a session ended (${endedBefore}) refreshed`);
            // Invariant: a token spent before a rollback that lost its spending does not refresh again.
            if (s.spentLost === true && jti !== head) throw new Error(`${what}, spent before a rollback, refreshed`);
            const next = result.refresh.claims.jti;
            if (jti === head) {
              // Every presenter of the head gets the one successor: a second one would be a second chain.
              if (successor !== undefined && next !== successor) {
                throw new Error(`${what}: two concurrent presenters of the head got different successors`);
              }
              successor = next;
              successorToken = result.refresh.token;
              successorIssuedAt = result.refresh.claims.issuedAt;
            } else {
              // Invariant: only the token spent last refreshes besides the head, and it gets the head itself again.
              if (jti !== parent) throw new Error(`${what} refreshed: a second live chain`);
              if (next !== head)
                throw new Error(`${what} refreshed to a token other than the head: a second live chain`);
            }
            s.accessTokens.push(result.access.token);
          });
          if (successorToken !== undefined) {
            s.chain.push(successorToken);
            // The replay window runs from the store's stamp of this first use, the successor's issue time.
            s.headIssuedAt = successorIssuedAt!;
          }
          if (results.length > 0) {
            lossPending = false;
            s.mayReset = false;
          }
        };

        const sessionOf = (i: number): Session | undefined =>
          sessions.length === 0 ? undefined : sessions[i % sessions.length];

        const checkInvariants = async () => {
          harness.sync();
          for (const s of sessions) {
            if (!revoked(s)) continue;
            if (!s.forgotten) {
              for (const access of s.accessTokens) {
                const code = codeOf(() => tokens.verify(access));
                expectIn(`access token of ${s.ended} session ${s.sid} verified`, code, [
                  'revoked_token',
                  'token_expired',
                ]);
              }
            }
          }
          // Refresh probes would notice a pending loss themselves and change the interleaving: not meanwhile.
          if (lossPending) return;
          for (const s of sessions) {
            if (s.ended === undefined) continue;
            for (const token of new Set([tokenAt(s, 0), tokenAt(s, 1)])) {
              const result = await present(token);
              const what = `refresh token of ${s.ended} session ${s.sid}`;
              expectIn(what, result instanceof TokenAuthError ? result.code : 'refreshed', [
                'revoked_token',
                'session_reset',
                'token_expired',
              ]);
            }
          }
        };

        for (const step of steps) {
          switch (step.op) {
            case 'login':
              login(users[step.user]!);
              break;
            case 'refresh': {
              const s = sessionOf(step.session);
              if (!s) break;
              const token = tokenAt(s, step.back);
              const since = harness.now() - s.headIssuedAt;
              const within =
                jtiOf(token) === (s.chain.length > 1 ? jtiOf(s.chain.at(-2)!) : undefined)
                  ? since <= windowMs - harness.marginMs
                    ? true
                    : undefined
                  : undefined;
              const result = await present(token);
              settle(s, [token], [result], within);
              break;
            }
            case 'together': {
              const s = sessionOf(step.session);
              if (!s) break;
              const presented = step.backs.map((back) => tokenAt(s, back));
              const results = await Promise.all(presented.map(present));
              settle(s, presented, results);
              break;
            }
            case 'replayAfterWindow': {
              const s = sessionOf(step.session);
              if (!s || s.chain.length < 2) break;
              const wait = s.headIssuedAt + windowMs + harness.marginMs + 1 - harness.now();
              if (wait > 0 && !(await harness.pass(wait))) break;
              const token = s.chain.at(-2)!;
              const result = await present(token);
              // After the window the token spent last is reuse: the session ends, whatever it was.
              if (!(result instanceof TokenAuthError)) {
                throw new Error(
                  `session ${s.sid}: the token spent last refreshed after its window (${wait} ms waited)`,
                );
              }
              settle(s, [token], [result]);
              if (s.ended === undefined) s.ended = 'reuse';
              break;
            }
            case 'logout': {
              const s = sessionOf(step.session);
              if (!s) break;
              harness.sync();
              await tokens.revokeSession(s.sid);
              if (s.ended === undefined || !revoked(s)) s.ended = 'logout';
              break;
            }
            case 'logoutAll': {
              harness.sync();
              await tokens.revokeAllForUser(users[step.user]!);
              for (const s of sessions) {
                if (s.sub === users[step.user] && !revoked(s)) s.ended = 'logoutAll';
              }
              break;
            }
            case 'snapshot':
              await harness.snapshot();
              for (const s of sessions) s.chainAtSnapshot = s.chain.length;
              break;
            case 'rollback': {
              store = await harness.rollback(store);
              if (harness.forgetsRevocations) {
                tokens = await start(store);
                for (const s of sessions) if (revoked(s)) s.forgotten = true;
              }
              // What was written since the snapshot is gone: a live session's head may be unknown to the store now,
              // or an older token its current one again. Detected, the loss answers session_reset; a token other
              // than the head or the one spent last refreshing is a second chain, caught by settle.
              for (const s of sessions) {
                if (s.ended !== undefined) continue;
                s.mayReset = true;
                if (s.chain.length > (s.chainAtSnapshot ?? 1)) s.spentLost = true;
              }
              break;
            }
            case 'late': {
              const s = sessionOf(step.session);
              if (!s) break;
              const head = s.chain.at(-1)!;
              let answer: TokenPair | TokenAuthError | undefined;
              if (!(await harness.deliverLate(async () => (answer = await present(head))))) break;
              // Answered 503 (a revoked session may be refused here already): whenever the request reaches the
              // store, it changes nothing, so the head of a live session still refreshes.
              expectIn(
                `late refresh of session ${s.sid}`,
                answer instanceof TokenAuthError ? answer.code : 'refreshed',
                s.ended === undefined
                  ? ['revocation_unavailable']
                  : ['revocation_unavailable', 'revoked_token', 'session_reset', 'token_expired'],
              );
              break;
            }
            case 'loseData': {
              store = await harness.loseData(store);
              if (harness.forgetsRevocations) {
                tokens = await start(store);
                for (const s of sessions) if (revoked(s)) s.forgotten = true;
              }
              if (harness.noticesLossLate) lossPending = true;
              for (const s of sessions) if (s.ended === undefined) s.ended = 'lost';
              break;
            }
            case 'wait':
              await harness.pass(Math.round((windowMs * step.permille) / 1000));
              break;
          }
          await checkInvariants();
        }
      }),
      { numRuns },
    );
  }, 300_000);
});

/** Fails with `what` unless `code` (a TokenAuthError code, or undefined when none was thrown) is allowed. */
function expectIn(what: string, code: string | undefined, allowed: string[]): void {
  if (code === undefined || !allowed.includes(code)) {
    throw new Error(`${what}: ${code ?? 'no error'} (expected ${allowed.join(' or ') || 'success'})`);
  }
}

function jtiOf(token: string): string {
  return Buffer.from(token.slice('nta1.'.length), 'base64url').subarray(11, 27).toString('base64url');
}
