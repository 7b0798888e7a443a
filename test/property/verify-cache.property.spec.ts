import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import fc from 'fast-check';
import { TokenVerifier } from '../../libs/token-auth/src/verification/token-verifier.js';
import { TokenAuthCounters } from '../../libs/token-auth/src/events/token-auth-counters.js';
import {
  generateKey,
  KeyRingManager,
  ManualClock,
  REVOCATION_STORE,
  TOKEN_AUTH_OPTIONS,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
  type KeyProvider,
  type KeySpec,
  type ResolvedTokenAuthOptions,
  type RevocationStore,
} from 'nestjs-token-auth';

/** One character changed: in the tag, or in the body (a token ending like the original, where the cache looks it up). */
type Tampering = false | 'tag' | 'body';

/** One step of a run: what a busy app does between two requests, and the requests. */
type Step =
  | { kind: 'issue'; user: number; ttl: number }
  | { kind: 'verify'; token: number; tampered: Tampering; cachedFirst: boolean }
  | { kind: 'revokeToken'; token: number }
  | { kind: 'revokeSession'; token: number }
  | { kind: 'revokeUser'; user: number }
  | { kind: 'rotate' }
  | { kind: 'dropOldestKey' }
  | { kind: 'reload' }
  | { kind: 'clock'; ms: number };

const USERS = ['alice', 'bob', 'carol'];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('issue' as const),
      user: fc.nat(USERS.length - 1),
      ttl: fc.integer({ min: 1, max: 120 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('verify' as const),
      token: fc.nat(),
      tampered: fc.constantFrom<Tampering>(false, false, false, 'tag', 'body'),
      cachedFirst: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeToken' as const), token: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeSession' as const), token: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeUser' as const), user: fc.nat(USERS.length - 1) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'dropOldestKey' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reload' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('clock' as const),
      // Mostly small steps, that keep tokens alive across other steps; sometimes past a lifetime, either way.
      ms: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -10_000, max: 10_000 }) },
        fc.integer({ min: -150_000, max: 150_000 }),
      ),
    }),
  },
);

/** A ring that changes when the test says so, as a provider backed by a secret store would. */
class MutableKeyProvider implements KeyProvider {
  readonly description = 'test keys';
  keys: KeySpec[] = [generateKey('active')];

  async load(): Promise<readonly KeySpec[]> {
    return this.keys;
  }
}

/** The result of one verification: the claims, or the error code. Anything else thrown is a bug and fails. */
function outcome(tokens: Pick<TokenService, 'verify'>, token: string): { claims: unknown } | { code: string } {
  try {
    return { claims: tokens.verify(token) };
  } catch (error) {
    if (!(error instanceof TokenAuthError)) throw error;
    return { code: error.code };
  }
}

function tamper(token: string, where: 'tag' | 'body'): string {
  const at = where === 'tag' ? token.length - 5 : token.length >> 1;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

describe('verified-token cache (property)', () => {
  let moduleRef: TestingModule | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('answers every verification as an uncached verifier does, through issue, revocation, rotation, clock moves and eviction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps, maxEntries) => {
          const clock = new ManualClock(1_800_000_000_000);
          const provider = new MutableKeyProvider();
          moduleRef = await Test.createTestingModule({
            imports: [
              TokenAuthModule.forTesting({
                keyProvider: provider,
                clock,
                accessTokenTtl: 60,
                maxAccessTokenTtl: 120,
                clockTolerance: 5,
                verifyCache: { maxEntries },
              }),
            ],
          }).compile();
          await moduleRef.init();
          const cached = moduleRef.get(TokenService);
          const options = moduleRef.get<ResolvedTokenAuthOptions>(TOKEN_AUTH_OPTIONS);
          const ring = moduleRef.get(KeyRingManager);
          // The same ring, clock and revocations; only the cache differs.
          const uncached = new TokenVerifier(
            { ...options, verifyCache: false },
            ring,
            moduleRef.get<RevocationStore>(REVOCATION_STORE),
            new TokenAuthCounters(),
          );
          const issued: string[] = [];
          const pick = (index: number) => issued[index % issued.length]!;

          for (const step of steps) {
            switch (step.kind) {
              case 'issue':
                issued.push(
                  cached.issue(USERS[step.user]!, { ttl: step.ttl, claims: { roles: [USERS[step.user]!] } }).token,
                );
                break;
              case 'verify': {
                if (issued.length === 0) break;
                const token = step.tampered ? tamper(pick(step.token), step.tampered) : pick(step.token);
                let fromCache, fresh;
                if (step.cachedFirst) {
                  fromCache = outcome(cached, token);
                  fresh = outcome(uncached, token);
                } else {
                  fresh = outcome(uncached, token);
                  fromCache = outcome(cached, token);
                }
                expect(fromCache).toEqual(fresh);
                // Two more in a row: the second verification caches a token the first accepted, the third is a hit
                // (the same claims object).
                const second = outcome(cached, token);
                const third = outcome(cached, token);
                expect(second).toEqual(fresh);
                expect(third).toEqual(fresh);
                if ('claims' in third) expect(third.claims).toBe((second as { claims: unknown }).claims);
                break;
              }
              case 'revokeToken':
              case 'revokeSession': {
                if (issued.length === 0) break;
                const token = pick(step.token);
                const claims = outcome(uncached, token);
                if (!('claims' in claims)) break;
                const { jti, sid, expiresAt } = claims.claims as { jti: string; sid: string; expiresAt: number };
                await (step.kind === 'revokeToken' ? cached.revoke({ jti, expiresAt }) : cached.revokeSession(sid));
                break;
              }
              case 'revokeUser':
                await cached.revokeAllForUser(USERS[step.user]!);
                break;
              case 'rotate':
                provider.keys = [
                  generateKey('active'),
                  ...provider.keys.map((key) => ({ ...key, state: 'verify-only' as const })),
                ];
                await ring.refresh();
                break;
              case 'dropOldestKey':
                if (provider.keys.length > 1) provider.keys = provider.keys.slice(0, -1);
                await ring.refresh();
                break;
              case 'reload':
                await ring.refresh();
                break;
              case 'clock':
                clock.advance(step.ms);
                break;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
