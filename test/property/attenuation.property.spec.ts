import { beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import {
  ManualClock,
  toHttpException,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
  type TokenClaims,
} from 'nestjs-token-auth';
import { attenuate, HTTP_METHODS, type Caveat, type CaveatInput, type HttpMethod } from 'nestjs-token-auth/client';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const AUDIENCE = 'notes-api';
const PREFIX = 'nta1c.';

let tokens: TokenService;
let clock: ManualClock;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ audience: AUDIENCE, clock: new ManualClock(Date.UTC(2026, 0, 1)) })],
  }).compile();
  tokens = moduleRef.get(TokenService);
  clock = moduleRef.get(ManualClock);
});

const segmentArb = fc.constantFrom('notes', '5', '50', 'a b', 'café', 'x');
const pathArb = fc.array(segmentArb, { minLength: 0, maxLength: 3 }).map((segments) => `/${segments.join('/')}`);
const methodsArb = fc.subarray([...HTTP_METHODS], { minLength: 1 }) as fc.Arbitrary<HttpMethod[]>;

/** Any caveat `attenuate` writes, over a small world of paths, methods and audiences so that requests meet some. */
const caveatArb: fc.Arbitrary<CaveatInput> = fc.oneof(
  fc.integer({ min: -120_000, max: 1_200_000 }).map((ms) => ({ type: 'expires' as const, at: clock.now() + ms })),
  methodsArb.map((methods) => ({ type: 'methods' as const, methods })),
  pathArb.map((prefix) => ({ type: 'path' as const, prefix })),
  fc.constantFrom(AUDIENCE, 'billing').map((audience) => ({ type: 'audience' as const, audience })),
);
const caveatsArb = fc.array(caveatArb, { minLength: 1, maxLength: 5 });

/** A request: a method, and a target that is sometimes not in normal form. */
const requestArb = fc.record({
  method: fc.constantFrom(...HTTP_METHODS),
  path: fc.oneof(
    pathArb,
    pathArb.map((path) => `${path}?q=1`),
    pathArb.map((path) => `${path}/../notes`),
    pathArb.map((path) => path.replace(/\//g, '%2F')),
    pathArb.map((path) => encodeURI(path)),
  ),
});

type Outcome = { accepted: TokenClaims } | { code: string };

function outcome(verify: () => TokenClaims): Outcome {
  try {
    return { accepted: verify() };
  } catch (error) {
    if (error instanceof TokenAuthError) return { code: error.code };
    throw error;
  }
}

const decode = (token: string) => Buffer.from(token.slice(PREFIX.length), 'base64url');
/** Where the body of an attenuated token ends: after its claims (section 3). */
function bodyLength(bytes: Buffer): number {
  const subject = bytes[55]!;
  return 56 + subject + 2 + bytes.readUInt16BE(56 + subject);
}
/** The caveats' bytes of an attenuated token, each without its length byte. */
function caveatsOf(token: string): Buffer[] {
  const bytes = decode(token);
  const list: Buffer[] = [];
  for (let at = bodyLength(bytes); at < bytes.length - 32; at += 1 + bytes[at]!) {
    list.push(bytes.subarray(at + 1, at + 1 + bytes[at]!));
  }
  return list;
}
/** `token`'s body and tag around other caveats: what a holder without the earlier links can make. */
function withCaveats(token: string, caveats: Buffer[], tag?: Buffer): string {
  const bytes = decode(token);
  const body = bytes.subarray(0, bodyLength(bytes));
  const section = caveats.map((caveat) => Buffer.concat([Buffer.of(caveat.length), caveat]));
  return PREFIX + Buffer.concat([body, ...section, tag ?? bytes.subarray(bytes.length - 32)]).toString('base64url');
}

type Edit = (caveats: Buffer[], other: Buffer[]) => Buffer[] | undefined;
/** Each way to change the caveat list without the key; undefined when it leaves the list as it was. */
const editArb: fc.Arbitrary<[string, Edit]> = fc.oneof(
  fc.nat().map((i): [string, Edit] => [`remove ${i}`, (c) => c.filter((_, k) => k !== i % c.length)]),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): [string, Edit] => [
    `swap ${i} and ${j}`,
    (c) => {
      const out = [...c];
      const [a, b] = [i % c.length, j % c.length];
      [out[a], out[b]] = [out[b]!, out[a]!];
      return out;
    },
  ]),
  fc.tuple(fc.nat(), fc.nat()).map(([i, at]): [string, Edit] => [
    `duplicate ${i} at ${at}`,
    (c) => {
      const out = [...c];
      out.splice(at % (c.length + 1), 0, c[i % c.length]!);
      return out;
    },
  ]),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, byte, xor]): [string, Edit] => [
    `edit byte ${byte} of ${i}`,
    (c) =>
      c.map((caveat, k) => {
        if (k !== i % c.length) return caveat;
        const edited = Buffer.from(caveat);
        edited[byte % edited.length]! ^= xor;
        return edited;
      }),
  ]),
  fc
    .tuple(fc.nat(), fc.nat())
    .map(([i, j]): [string, Edit] => [
      `splice caveat ${j} of another token in at ${i}`,
      (c, other) => c.map((caveat, k) => (k === i % c.length ? other[j % other.length]! : caveat)),
    ]),
  fc
    .nat()
    .map((i): [string, Edit] => [
      `append caveat ${i} of another token`,
      (c, other) => [...c, other[i % other.length]!],
    ]),
  fc.constant<[string, Edit]>(['all caveats of another token', (_, other) => other]),
);

describe('attenuated tokens (property)', () => {
  it('never verify once a caveat is removed, reordered, duplicated, edited or spliced in from another token', async () => {
    await fc.assert(
      fc.asyncProperty(caveatsArb, caveatsArb, editArb, async (mine, theirs, [, edit]) => {
        const parent = tokens.issue('user-42').token;
        const child = await attenuate(parent, mine);
        const other = await attenuate(tokens.issue('user-7').token, theirs);
        const edited = edit(caveatsOf(child), caveatsOf(other));
        const forged = edited && withCaveats(child, edited);
        fc.pre(forged !== undefined && forged !== child);
        const result = outcome(() => tokens.verify(forged, { method: 'GET', path: '/notes/5', spendsOnce: true }));
        expect(result).toEqual({ code: expect.stringMatching(/^(invalid_signature|token_malformed)$/) });
        // Nor under another token's tag: the chain binds the caveats to this body.
        const spliced = withCaveats(child, caveatsOf(other), decode(other).subarray(-32));
        expect(outcome(() => tokens.verify(spliced, { method: 'GET', path: '/' }))).toEqual({
          code: 'invalid_signature',
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('a child never verifies where its parent would not, and never outlives it', async () => {
    await fc.assert(
      fc.asyncProperty(
        caveatsArb,
        requestArb,
        fc.integer({ min: 0, max: 1_200_000 }),
        fc.constantFrom('none', 'token', 'session', 'user'),
        async (caveats, request, later, revoked) => {
          const issued = tokens.issue('user-42', { ttl: 900 });
          const child = await attenuate(issued.token, caveats);
          if (revoked === 'token') await tokens.revoke(issued.token);
          if (revoked === 'session') await tokens.revokeSession(issued.claims.sid);
          if (revoked === 'user') await tokens.revokeAllForUser('user-42');
          // The clock only moves on: tokens issued after a user's cut-off are stamped after it.
          clock.advance(later);
          const parentOutcome = outcome(() => tokens.verify(issued.token, request));
          const childOutcome = outcome(() => tokens.verify(child, request));
          if ('accepted' in childOutcome) {
            expect(parentOutcome).toEqual({ accepted: expect.anything() });
            expect(childOutcome.accepted.expiresAt).toBeLessThanOrEqual(issued.claims.expiresAt);
            expect(childOutcome.accepted).toMatchObject({ sub: 'user-42', jti: issued.claims.jti });
          }
          if (revoked !== 'none') expect(childOutcome).not.toHaveProperty('accepted');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers random caveat bytes, chained or not, only with a 401 and a stable code, or accepts real caveats', async () => {
    const codes = new Set([
      'invalid_signature',
      'token_malformed',
      'caveat_unknown',
      'caveat_unmet',
      'token_expired',
      'revoked_token',
    ]);
    const bytesArb = fc.uint8Array({ minLength: 1, maxLength: 130 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(bytesArb, { minLength: 0, maxLength: 9 }),
        fc.boolean(),
        requestArb,
        async (randomCaveats, chained, request) => {
          const parent = tokens.issue('user-42').token;
          const parentBytes = Buffer.from(parent.slice(5), 'base64url');
          let link = parentBytes.subarray(-32);
          if (chained) for (const caveat of randomCaveats) link = createHmac('sha256', link).update(caveat).digest();
          const caveats = randomCaveats.map((caveat) => Buffer.from(caveat));
          const token =
            PREFIX +
            Buffer.concat([
              parentBytes.subarray(0, -32),
              ...caveats.map((caveat) => Buffer.concat([Buffer.of(caveat.length & 0xff), caveat])),
              link,
            ]).toString('base64url');
          const result = outcome(() => tokens.verify(token, { ...request, spendsOnce: true }));
          if ('code' in result) {
            expect(codes).toContain(result.code);
            const error = new TokenAuthError(result.code as never, 'x');
            expect(toHttpException(error).getStatus()).toBe(401);
          } else {
            // Accepted: only a correctly chained list of caveats this verifier knows, all of them met.
            expect(chained).toBe(true);
            expect(result.accepted.caveats?.list.length).toBe(randomCaveats.length);
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('an attenuated token keeps every caveat it was given: the claims list them in order', async () => {
    await fc.assert(
      fc.asyncProperty(caveatsArb, async (caveats) => {
        const child = await attenuate(tokens.issue('user-42').token, caveats);
        const result = outcome(() => tokens.verify(child, { method: 'GET', path: '/' }));
        const listed: readonly Caveat[] | undefined = 'accepted' in result ? result.accepted.caveats?.list : undefined;
        if (listed) expect(listed.map((caveat) => caveat.type)).toEqual(caveats.map((caveat) => caveat.type));
      }),
      { numRuns: RUNS },
    );
  });
});
