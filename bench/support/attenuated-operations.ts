import { attenuate, type CaveatInput } from 'nestjs-token-auth/client';
import { benchKeys, createTokenAuth, ROLES, SUBJECT } from './fixtures.js';
import type { Candidate } from './measure.js';

/** Attenuated tokens (docs/token-format.md, section 9), verified by `TokenService.verify` against a request. */
export const ATTENUATED_COLD_1 = 'TokenService.verify, attenuated (1 caveat), every token and parent new';
export const ATTENUATED_COLD_3 = 'TokenService.verify, attenuated (3 caveats), every token and parent new';
export const ATTENUATED_SIBLING_1 = 'TokenService.verify, attenuated (1 caveat), every token new, parent tag cached';
export const ATTENUATED_SIBLING_3 = 'TokenService.verify, attenuated (3 caveats), every token new, parent tag cached';
export const ATTENUATED_WARM = 'TokenService.verify, attenuated (3 caveats), warm (its text cached)';
export const ATTENUATED_WARM_NEW_PATH =
  'TokenService.verify, attenuated (3 caveats), warm, the request path a new string each call';
export const ATTENUATED_OPERATIONS: readonly string[] = [
  ATTENUATED_COLD_1,
  ATTENUATED_COLD_3,
  ATTENUATED_SIBLING_1,
  ATTENUATED_SIBLING_3,
  ATTENUATED_WARM,
  ATTENUATED_WARM_NEW_PATH,
];

/**
 * Distinct tokens cycled through by the cold attenuated verifies (a power of two). The parent tag cache has 1 024
 * slots: between two turns of a parent, 16 383 others pass through them, and its tag survives that about once in
 * 9 million (e^-16), so every verification computes the body's HMAC. The verified-token cache is as in the plain
 * cold verifies (256 entries).
 */
const COLD = 16_384;
const CACHE_ENTRIES = 256;
/** What every attenuated verification here is checked against: the request the demo's share link makes. */
const REQUEST = { method: 'GET', path: '/notes/5' } as const;

/** Three caveats: an expiry 10 minutes out (`n` ms later for token `n`, so each has its own tag), GET and HEAD, one note. */
function threeCaveats(n: number): CaveatInput[] {
  return [
    { type: 'expires', at: Date.now() + 600_000 + n },
    { type: 'methods', methods: ['GET', 'HEAD'] },
    { type: 'path', prefix: '/notes/5' },
  ];
}

/**
 * The attenuated verifies: in a process of their own when counted, like every group. Given `only`, it makes the
 * tokens of that operation alone: under callgrind, making all four sets of 16 384 took minutes.
 */
export const attenuatedGroup = {
  names: ATTENUATED_OPERATIONS,
  build: async (only?: string) => {
    const auth = await createTokenAuth(benchKeys(), { verifyCache: { maxEntries: CACHE_ENTRIES } });
    const { tokens } = auth;
    const claims = { roles: ROLES };
    const parentOf = () => tokens.issue(SUBJECT, { claims }).token;
    const parent = parentOf();
    const tokensOf = async (name: string, child: (n: number) => Promise<string>) => {
      const list: string[] = [];
      if (only === undefined || only === name) for (let n = 0; n < COLD; n++) list.push(await child(n));
      return list;
    };
    // Every child of a new parent.
    const cold1 = await tokensOf(ATTENUATED_COLD_1, () =>
      attenuate(parentOf(), [{ type: 'methods', methods: ['GET'] }]),
    );
    const cold3 = await tokensOf(ATTENUATED_COLD_3, (n) => attenuate(parentOf(), threeCaveats(n)));
    // Children of one parent, each new: the one caveat differs by the expiry it sets.
    const sibling1 = await tokensOf(ATTENUATED_SIBLING_1, (n) =>
      attenuate(parent, [{ type: 'expires', at: Date.now() + 600_000 + n }]),
    );
    const sibling3 = await tokensOf(ATTENUATED_SIBLING_3, (n) => attenuate(parent, threeCaveats(n)));
    const warm = await attenuate(parentOf(), threeCaveats(0));
    // The same path, each a string of its own, as an HTTP server hands each request's.
    const requests = Array.from({ length: COLD }, () => ({ method: 'GET', path: ['', 'notes', '5'].join('/') }));
    let next = 0;
    const at = () => next++ & (COLD - 1);
    return {
      close: auth.close,
      operations: [
        { name: ATTENUATED_COLD_1, fn: () => tokens.verify(cold1[at()]!, REQUEST) },
        { name: ATTENUATED_COLD_3, fn: () => tokens.verify(cold3[at()]!, REQUEST) },
        { name: ATTENUATED_SIBLING_1, fn: () => tokens.verify(sibling1[at()]!, REQUEST) },
        { name: ATTENUATED_SIBLING_3, fn: () => tokens.verify(sibling3[at()]!, REQUEST) },
        { name: ATTENUATED_WARM, fn: () => tokens.verify(warm, REQUEST) },
        { name: ATTENUATED_WARM_NEW_PATH, fn: () => tokens.verify(warm, requests[at()]) },
      ] satisfies Candidate[],
    };
  },
};
