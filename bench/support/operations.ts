import { createHmac, createSecretKey, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import {
  generateKey,
  TOKEN_PREFIX,
  TokenAuthError,
  type IssueOptions,
  type TokenAuthErrorCode,
} from 'nestjs-token-auth';
import { attenuatedGroup, ATTENUATED_OPERATIONS } from './attenuated-operations.js';
import { BareNoncePool, bareIssue, bareVerify } from './bare-token.js';
import { benchJwtSecret, benchKeys, createTokenAuth, BASIC_PASSWORD, ROLES, SUBJECT, TTL_SECONDS } from './fixtures.js';
import type { Candidate } from './measure.js';

export const FLOOR = 'floor: createHmac(sha256, KeyObject) over the token body';
export const VERIFY = 'TokenService.verify';
export const VERIFY_COLD = 'TokenService.verify, every token new';
export const VERIFY_COLD_TWICE = 'TokenService.verify, every token new, twice in a row (the second caches it)';
export const VERIFY_UNCACHED = 'TokenService.verify, verifyCache: false';
export const REFUSE_FORGED =
  "TokenService.verify refusing a forged token (the ring's key id, a random tag), every token new";
export const REFUSE_UNKNOWN_KEY =
  'TokenService.verify refusing a token of a key not in the ring (a random tag), every token new';
export const REFUSE_MALFORMED =
  'TokenService.verify refusing a malformed token (a character outside base64url), every token new';
/** The refusals counted beside verify: each costs at most a token's first verification (BENCHMARKS.md). */
export const REFUSALS: readonly string[] = [REFUSE_FORGED, REFUSE_UNKNOWN_KEY, REFUSE_MALFORMED];
export const ISSUE = 'TokenService.issue';
export const BARE_ISSUE = 'bare issue: nonces, fields, HMAC, encode, ids as strings (no checks, no returned claims)';
export const BARE_VERIFY = 'bare verify: decode, length check, HMAC, timingSafeEqual, expiry (no fields returned)';
export const JWT_DOCS = '@nestjs/jwt verify, string secret (docs)';
export const JWT_KEY_OBJECT = '@nestjs/jwt verify, KeyObject secret';
export const JOSE_DOCS = 'jose jwtVerify HS256, Uint8Array secret (docs)';
export const JOSE_CRYPTO_KEY = 'jose jwtVerify HS256, CryptoKey';
export const FAST_JWT = 'fast-jwt createVerifier HS256 (docs)';
export const FAST_JWT_CACHE = 'fast-jwt createVerifier HS256, cache: true';
const BCRYPT = 'bcrypt compare, cost 10';
const SCRYPT = 'scrypt verify, N=16384 r=8 p=1';

/**
 * Distinct tokens cycled through by the cold verifies (a power of two), and the service's verified-token cache
 * size. The cache notes the tokens it has seen once in a table as large as itself: between two turns of a token,
 * 4 095 others pass through its 256 cells, and its note survives that about once in 9 million (e^-16); with the
 * default cache (16 384 cells) most notes would survive. Every token is new to the cache each time: a first
 * verification, or a first and a second that caches it and evicts the oldest entry.
 */
export const COLD_TOKENS = 4096;
const COLD_CACHE_ENTRIES = 256;

/** `token`'s bytes with `edit` applied, as a token again: a forgery of it. */
function forge(token: string, edit: (bytes: Buffer) => void): string {
  const bytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  edit(bytes);
  return TOKEN_PREFIX + bytes.toString('base64url');
}

/**
 * A call of `verify` that must refuse its token with `code`: the refusal (error and all) is what is counted, so an
 * accepted token or another code stops the run rather than counting something else.
 */
function refusal(verify: () => unknown, code: TokenAuthErrorCode): TokenAuthError {
  try {
    verify();
  } catch (error) {
    if (error instanceof TokenAuthError && error.code === code) return error;
    throw error;
  }
  throw new Error(`a token meant to be refused with ${code} was accepted`);
}

/** One operation of the per-operation benchmark. */
export type Operation = Candidate;

interface Built {
  operations: Operation[];
  close?: () => Promise<void>;
}

/**
 * Operations that need the same things loaded, built together: the instruction counts build one group in a
 * process of its own (so no other library's heap is collected during a count), the wall-clock suite builds all.
 */
interface Group<T extends Built = Built> {
  names: readonly string[];
  /** `only`: the one operation a counting process runs, when a group can skip building what the others need. */
  build: (only?: string) => Promise<T>;
}

const claims = { roles: ROLES };
const nonces = new BareNoncePool();

/** The floor and the bare format: node:crypto only, over a token the bare issue wrote (same bytes as ours). */
const bareGroup: Group = {
  names: [FLOOR, BARE_VERIFY, BARE_ISSUE, `${BARE_ISSUE}, no claims`],
  build: async () => {
    const macKey = createSecretKey(randomBytes(32));
    const keyId = randomBytes(9);
    const [token] = bareIssue(macKey, keyId, SUBJECT, TTL_SECONDS * 1000, claims, nonces);
    const tokenBytes = Buffer.from(token!.slice(TOKEN_PREFIX.length), 'base64url');
    const body = tokenBytes.subarray(0, tokenBytes.length - 32);
    return {
      operations: [
        { name: FLOOR, fn: () => createHmac('sha256', macKey).update(body).digest() },
        { name: BARE_VERIFY, fn: () => bareVerify(token!, macKey) },
        { name: BARE_ISSUE, fn: () => bareIssue(macKey, keyId, SUBJECT, TTL_SECONDS * 1000, claims, nonces) },
        {
          name: `${BARE_ISSUE}, no claims`,
          fn: () => bareIssue(macKey, keyId, SUBJECT, TTL_SECONDS * 1000, undefined, nonces),
        },
      ],
    };
  },
};

/** The library as applications get it: one TokenService from TokenAuthModule in a Nest context. */
const tokenServiceGroup = {
  names: [
    VERIFY,
    `${VERIFY} (no claims)`,
    VERIFY_COLD,
    `${VERIFY_COLD} (no claims)`,
    VERIFY_COLD_TWICE,
    VERIFY_UNCACHED,
    ...REFUSALS,
    ISSUE,
    `${ISSUE} (no claims)`,
  ],
  build: async () => {
    const keys = benchKeys();
    const auth = await createTokenAuth(keys, { verifyCache: { maxEntries: COLD_CACHE_ENTRIES } });
    const uncached = await createTokenAuth(keys, { verifyCache: false });
    const { tokens } = auth;
    const token = tokens.issue(SUBJECT, { claims }).token;
    const bareToken = tokens.issue(SUBJECT).token;
    const coldTokens = (options: IssueOptions) =>
      Array.from({ length: COLD_TOKENS }, () => tokens.issue(SUBJECT, options).token);
    const cold = coldTokens({ claims });
    const coldBare = coldTokens({});
    // Tokens of their own: the 256 this operation leaves cached are never presented by the others, which the
    // wall-clock suite runs in the same process, so those stay first verifications.
    const coldTwice = coldTokens({ claims });
    // Refused tokens, each as long as `cold`'s and presented once a turn like them: random tags under the ring's
    // key id; the same under a key id the ring does not hold; a character no base64url holds in the body.
    const randomTag = (bytes: Buffer) => randomBytes(32).copy(bytes, bytes.length - 32);
    const forged = cold.map((token) => forge(token, randomTag));
    const strangerId = Buffer.from(generateKey().id, 'base64url');
    // The key id is bytes 2 to 10 of the body (docs/token-format.md).
    const unknownKey = cold.map((token) => forge(token, (bytes) => (strangerId.copy(bytes, 2), randomTag(bytes))));
    const malformed = cold.map((token) => `${token.slice(0, 40)}*${token.slice(41)}`);
    let next = 0;
    let nextTwice = 0;
    return {
      token,
      tokenBytes: Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url'),
      close: () => Promise.all([auth.close(), uncached.close()]).then(() => {}),
      operations: [
        { name: VERIFY, fn: () => tokens.verify(token) },
        { name: `${VERIFY} (no claims)`, fn: () => tokens.verify(bareToken) },
        { name: VERIFY_COLD, fn: () => tokens.verify(cold[next++ & (COLD_TOKENS - 1)]!) },
        { name: `${VERIFY_COLD} (no claims)`, fn: () => tokens.verify(coldBare[next++ & (COLD_TOKENS - 1)]!) },
        {
          name: VERIFY_COLD_TWICE,
          fn: () => {
            const token = coldTwice[nextTwice++ & (COLD_TOKENS - 1)]!;
            tokens.verify(token);
            return tokens.verify(token);
          },
        },
        // The same ring, without the cache: every call verifies from the bytes and keeps nothing.
        { name: VERIFY_UNCACHED, fn: () => uncached.tokens.verify(cold[next++ & (COLD_TOKENS - 1)]!) },
        {
          name: REFUSE_FORGED,
          fn: () => refusal(() => tokens.verify(forged[next++ & (COLD_TOKENS - 1)]!), 'invalid_signature'),
        },
        {
          name: REFUSE_UNKNOWN_KEY,
          fn: () => refusal(() => tokens.verify(unknownKey[next++ & (COLD_TOKENS - 1)]!), 'unknown_key'),
        },
        {
          name: REFUSE_MALFORMED,
          fn: () => refusal(() => tokens.verify(malformed[next++ & (COLD_TOKENS - 1)]!), 'token_malformed'),
        },
        { name: ISSUE, fn: () => tokens.issue(SUBJECT, { claims }) },
        { name: `${ISSUE} (no claims)`, fn: () => tokens.issue(SUBJECT) },
      ] satisfies Operation[],
    };
  },
} satisfies Group;

/** A JWT for the peers, signed as `JwtService.sign` with `expiresIn` writes it: the same subject and roles. */
function peerJwt(): { secret: string; jwt: string } {
  const secret = benchJwtSecret();
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: SUBJECT, roles: ROLES, iat: now, exp: now + TTL_SECONDS })}`;
  return { secret, jwt: `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}` };
}

/** `@nestjs/jwt` as its docs configure it (string secret) and tuned (a KeyObject made once). */
const nestJwtGroup: Group = {
  names: [JWT_DOCS, JWT_KEY_OBJECT],
  build: async () => {
    const { JwtService } = await import('@nestjs/jwt');
    const { secret, jwt } = peerJwt();
    const docs = new JwtService({ secret, signOptions: { expiresIn: TTL_SECONDS } });
    const tuned = new JwtService({ secret: createSecretKey(Buffer.from(secret)) });
    return {
      operations: [
        { name: JWT_DOCS, fn: () => docs.verify(jwt) },
        { name: JWT_KEY_OBJECT, fn: () => tuned.verify(jwt) },
      ],
    };
  },
};

/** jose as its README shows (a Uint8Array secret) and tuned (a CryptoKey imported once). */
const joseGroup: Group = {
  names: [JOSE_DOCS, JOSE_CRYPTO_KEY],
  build: async () => {
    const { jwtVerify } = await import('jose');
    const { secret, jwt } = peerJwt();
    const bytes = new TextEncoder().encode(secret);
    const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    return {
      operations: [
        { name: JOSE_DOCS, fn: () => jwtVerify(jwt, bytes) },
        { name: JOSE_CRYPTO_KEY, fn: () => jwtVerify(jwt, key) },
      ],
    };
  },
};

/** fast-jwt as its README shows, without and with its verified-token cache. */
const fastJwtGroup: Group = {
  names: [FAST_JWT, FAST_JWT_CACHE],
  build: async () => {
    const { createVerifier } = await import('fast-jwt');
    const { secret, jwt } = peerJwt();
    const plain = createVerifier({ key: secret });
    const cached = createVerifier({ key: secret, cache: true });
    return {
      operations: [
        { name: FAST_JWT, fn: () => plain(jwt) },
        { name: FAST_JWT_CACHE, fn: () => cached(jwt) },
      ],
    };
  },
};

/** Password hashing, the per-request cost of Basic auth: wall clock only. */
const passwordGroup: Group = {
  names: [BCRYPT, SCRYPT],
  build: async () => {
    const { default: bcrypt } = await import('bcrypt');
    const bcryptHash = bcrypt.hashSync(BASIC_PASSWORD, 10);
    const scryptSalt = randomBytes(16);
    const scryptHash = scryptSync(BASIC_PASSWORD, scryptSalt, 64, { N: 16384 });
    return {
      operations: [
        { name: BCRYPT, fn: () => bcrypt.compareSync(BASIC_PASSWORD, bcryptHash) },
        {
          name: SCRYPT,
          fn: () => timingSafeEqual(scryptSync(BASIC_PASSWORD, scryptSalt, 64, { N: 16384 }), scryptHash),
        },
      ],
    };
  },
};

const OTHER_GROUPS: readonly Group[] = [
  bareGroup,
  attenuatedGroup,
  nestJwtGroup,
  joseGroup,
  fastJwtGroup,
  passwordGroup,
];
const ORDER = [
  FLOOR,
  BARE_VERIFY,
  VERIFY,
  `${VERIFY} (no claims)`,
  VERIFY_COLD,
  `${VERIFY_COLD} (no claims)`,
  VERIFY_COLD_TWICE,
  VERIFY_UNCACHED,
  ...REFUSALS,
  ...ATTENUATED_OPERATIONS,
  BARE_ISSUE,
  `${BARE_ISSUE}, no claims`,
  ISSUE,
  `${ISSUE} (no claims)`,
  JWT_DOCS,
  JWT_KEY_OBJECT,
  JOSE_DOCS,
  JOSE_CRYPTO_KEY,
  FAST_JWT,
  FAST_JWT_CACHE,
  BCRYPT,
  SCRYPT,
];

/**
 * Names of the operations the instruction counts cover, in publishing order, without building any: all but password
 * hashing, where one call would take seconds under callgrind.
 */
export const COUNTED_OPERATIONS: readonly string[] = ORDER.filter((name) => name !== BCRYPT && name !== SCRYPT);

/** Operations costing milliseconds a call under callgrind (a new KeyObject per call): counted over fewer calls. */
export const SLOW_TO_COUNT: readonly string[] = [JWT_DOCS];

/**
 * Every operation the in-process suites measure: the library as applications get it, and the peers configured as
 * their docs show and, where a faster configuration exists, tuned. Shared by the wall-clock suite and the
 * instruction counts, so both measure the same calls.
 */
export async function createOperations() {
  const service = await tokenServiceGroup.build();
  const others = await Promise.all(OTHER_GROUPS.map((group) => group.build()));
  const operations = [service, ...others].flatMap((built) => built.operations);
  operations.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
  return { operations, token: service.token, tokenBytes: service.tokenBytes, claims, close: service.close };
}

/** One operation, with only its group built: what a counting process loads. */
export async function createOperation(name: string): Promise<{ operation: Operation; close: () => Promise<void> }> {
  const group = [tokenServiceGroup, ...OTHER_GROUPS].find((g) => g.names.includes(name));
  if (group === undefined) throw new Error(`unknown operation ${name}`);
  const { operations, close = async () => {} } = await group.build(name);
  return { operation: operations.find((o) => o.name === name)!, close };
}
