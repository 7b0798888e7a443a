import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import fc from 'fast-check';
import {
  ManualClock,
  MemoryRevocationStore,
  StaticKeyProvider,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
  generateKey,
  type TokenPair,
} from 'nestjs-token-auth';
import { codeOf } from '../support/error-code.js';

type Step =
  | { op: 'refresh'; holder: number }
  | { op: 'together'; holders: [number, number] }
  | { op: 'copy'; holder: number }
  | { op: 'replay'; holder: number; back: number }
  | { op: 'logout' }
  | { op: 'restart' }
  | { op: 'wait'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('refresh' as const), holder: fc.nat(3) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('together' as const), holders: fc.tuple(fc.nat(3), fc.nat(3)) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('copy' as const), holder: fc.nat(3) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('replay' as const),
      holder: fc.nat(3),
      back: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'logout' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 120_000 }) }) },
);

const modules: TestingModule[] = [];

afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

/**
 * One login and its clients: each holder keeps the refresh tokens it was handed (a second tab, a client retrying,
 * a thief with a copy). The model knows the one chain: its head (the newest refresh token handed out) and the head's
 * parent, which may still be presented to get the head again. Any other successful refresh is a second chain.
 */
describe('refresh chains (property)', () => {
  it('never lets two live chains exist, whatever the interleaving of refresh, reuse, logout and store restarts', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const key = generateKey();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
        const clock = new ManualClock(1_700_000_000_000);
        const start = async (): Promise<TokenService> => {
          const moduleRef = await Test.createTestingModule({
            imports: [
              TokenAuthModule.forTesting({
                keyProvider: new StaticKeyProvider([key]),
                clock,
                revocationStore: new MemoryRevocationStore({ clock: clock.now }),
              }),
            ],
          }).compile();
          modules.push(moduleRef);
          return moduleRef.get(TokenService);
        };
        let tokens = await start();
        const login = tokens.issuePair('alice');
        const holders: string[][] = [[login.refresh.token]];
        const accessTokens: string[] = [login.access.token];
        let head = login.refresh.claims.jti;
        let parent: string | undefined;
        let ended = false; // logged out, reuse detected, or records lost: nothing may refresh any more
        let forgotten = false; // a restarted memory store no longer holds the revocations made before

        const present = async (token: string): Promise<TokenPair | TokenAuthError> =>
          tokens.refresh(token).catch((error: unknown) => {
            if (error instanceof TokenAuthError) return error;
            throw error;
          });
        const settle = (token: string, result: TokenPair | TokenAuthError, holder: string[]) => {
          if (result instanceof TokenAuthError) {
            expect(['revoked_token', 'session_reset', 'token_expired', 'session_expired']).toContain(result.code);
            if (result.code !== 'token_expired') ended = true;
            return;
          }
          expect(ended).toBe(false);
          const presented = jtiOf(token);
          const next = result.refresh.claims.jti;
          if (presented === head) {
            parent = head;
            head = next;
          } else {
            // Only the head's parent may refresh besides the head, and it gets the head itself again.
            expect(presented).toBe(parent);
            expect(next).toBe(head);
          }
          holder.push(result.refresh.token);
          accessTokens.push(result.access.token);
        };

        for (const step of steps) {
          const holderOf = (i: number) => holders[i % holders.length]!;
          switch (step.op) {
            case 'refresh': {
              const holder = holderOf(step.holder);
              const token = holder.at(-1)!;
              settle(token, await present(token), holder);
              break;
            }
            case 'together': {
              const [h1, h2] = step.holders.map(holderOf) as [string[], string[]];
              const [t1, t2] = [h1.at(-1)!, h2.at(-1)!];
              const [r1, r2] = await Promise.all([present(t1), present(t2)]);
              settle(t1, r1, h1);
              settle(t2, r2, h2);
              break;
            }
            case 'copy':
              holders.push([holderOf(step.holder).at(-1)!]);
              break;
            case 'replay': {
              const holder = holderOf(step.holder);
              const token = holder[Math.max(0, holder.length - 1 - step.back)]!;
              settle(token, await present(token), holder);
              break;
            }
            case 'logout':
              await tokens.revokeSession(login.access.claims.sid);
              ended = true;
              break;
            case 'restart':
              clock.advance(1);
              tokens = await start();
              ended = true;
              forgotten = true;
              break;
            case 'wait':
              clock.advance(step.ms);
              break;
          }
          if (ended && !forgotten) {
            // A revoked session's access tokens are refused too (until a restart forgets the revocations).
            for (const access of accessTokens) {
              expect(['revoked_token', 'token_expired']).toContain(codeOf(() => tokens.verify(access)));
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

function jtiOf(token: string): string {
  return Buffer.from(token.slice('nta1.'.length), 'base64url').subarray(11, 27).toString('base64url');
}
