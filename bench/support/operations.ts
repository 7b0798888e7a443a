import { createHmac, createSecretKey, randomBytes, scryptSync, timingSafeEqual, webcrypto } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import bcrypt from 'bcrypt';
import { createVerifier } from 'fast-jwt';
import { jwtVerify } from 'jose';
import { TOKEN_PREFIX } from 'nestjs-token-auth';
import { BareNoncePool, bareIssue, bareVerify } from './bare-token.js';
import { benchJwtSecret, benchKeys, createTokenAuth, BASIC_PASSWORD, ROLES, SUBJECT, TTL_SECONDS } from './fixtures.js';
import type { Candidate } from './measure.js';

export const FLOOR = 'floor: createHmac(sha256, KeyObject) over the token body';
export const VERIFY = 'TokenService.verify';
export const VERIFY_COLD = 'TokenService.verify, every token new';
export const ISSUE = 'TokenService.issue';
export const BARE_ISSUE = 'bare issue: nonces, fields, HMAC, encode, ids as strings (no checks, no returned claims)';
export const BARE_VERIFY = 'bare verify: decode, length check, HMAC, timingSafeEqual, expiry (no fields returned)';
export const FAST_JWT = 'fast-jwt createVerifier HS256 (docs)';
export const FAST_JWT_CACHE = 'fast-jwt createVerifier HS256, cache: true';

/**
 * Distinct tokens cycled through by the cold verify (a power of two). The service's verified-token cache holds half
 * as many, so each token has been evicted again before its next turn and every call is a miss that fills the cache.
 */
export const COLD_TOKENS = 2048;

/** One operation of the per-operation benchmark; `slow` ones run fewer iterations under callgrind. */
export interface Operation extends Candidate {
  /** Password hashing: left out of instruction counts, where one call would take seconds. */
  skipInstructions?: boolean;
  /** Over 100 µs a call: a tenth of the iterations under callgrind. */
  slow?: boolean;
}

/**
 * Every operation the in-process suites measure, built once against one token service (the library as
 * applications get it) and the peers configured as their docs show, and where a faster configuration exists,
 * tuned. Shared by the wall-clock suite and the instruction counts, so both measure the same calls.
 */
export async function createOperations() {
  const auth = await createTokenAuth(benchKeys(), { verifyCache: { maxEntries: COLD_TOKENS / 2 } });
  const { tokens } = auth;
  const claims = { roles: ROLES };
  const token = tokens.issue(SUBJECT, { claims }).token;
  const bareToken = tokens.issue(SUBJECT).token;
  const cold = Array.from({ length: COLD_TOKENS }, () => tokens.issue(SUBJECT, { claims }).token);
  const coldBare = Array.from({ length: COLD_TOKENS }, () => tokens.issue(SUBJECT).token);
  let next = 0;
  const tokenBytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  const body = tokenBytes.subarray(0, tokenBytes.length - 32);
  const macKey = auth.keyRing.current.active.macKeys.access;
  const keyId = auth.keyRing.current.active.keyIdBytes;
  const nonces = new BareNoncePool();

  const secret = benchJwtSecret();
  const jwtDocs = new JwtService({ secret, signOptions: { expiresIn: TTL_SECONDS } });
  const jwtTuned = new JwtService({ secret: createSecretKey(Buffer.from(secret)) });
  const jwt = jwtDocs.sign({ sub: SUBJECT, roles: ROLES });
  const joseSecret = new TextEncoder().encode(secret);
  const joseKey = await webcrypto.subtle.importKey('raw', joseSecret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const fastVerify = createVerifier({ key: secret });
  const fastVerifyCached = createVerifier({ key: secret, cache: true });

  const bcryptHash = bcrypt.hashSync(BASIC_PASSWORD, 10);
  const scryptSalt = randomBytes(16);
  const scryptHash = scryptSync(BASIC_PASSWORD, scryptSalt, 64, { N: 16384 });

  const operations: Operation[] = [
    { name: FLOOR, fn: () => createHmac('sha256', macKey).update(body).digest() },
    { name: BARE_VERIFY, fn: () => bareVerify(token, macKey) },
    { name: VERIFY, fn: () => tokens.verify(token) },
    { name: `${VERIFY} (no claims)`, fn: () => tokens.verify(bareToken) },
    { name: VERIFY_COLD, fn: () => tokens.verify(cold[next++ & (COLD_TOKENS - 1)]!) },
    { name: `${VERIFY_COLD} (no claims)`, fn: () => tokens.verify(coldBare[next++ & (COLD_TOKENS - 1)]!) },
    { name: BARE_ISSUE, fn: () => bareIssue(macKey, keyId, SUBJECT, TTL_SECONDS * 1000, claims, nonces) },
    { name: `${BARE_ISSUE}, no claims`, fn: () => bareIssue(macKey, keyId, SUBJECT, TTL_SECONDS * 1000, undefined, nonces) },
    { name: ISSUE, fn: () => tokens.issue(SUBJECT, { claims }) },
    { name: `${ISSUE} (no claims)`, fn: () => tokens.issue(SUBJECT) },
    { name: '@nestjs/jwt verify, string secret (docs)', fn: () => jwtDocs.verify(jwt), slow: true },
    { name: '@nestjs/jwt verify, KeyObject secret', fn: () => jwtTuned.verify(jwt) },
    { name: 'jose jwtVerify HS256, Uint8Array secret (docs)', fn: () => jwtVerify(jwt, joseSecret) },
    { name: 'jose jwtVerify HS256, CryptoKey', fn: () => jwtVerify(jwt, joseKey) },
    { name: FAST_JWT, fn: () => fastVerify(jwt) },
    { name: FAST_JWT_CACHE, fn: () => fastVerifyCached(jwt) },
    { name: 'bcrypt compare, cost 10', fn: () => bcrypt.compareSync(BASIC_PASSWORD, bcryptHash), skipInstructions: true },
    {
      name: 'scrypt verify, N=16384 r=8 p=1',
      fn: () => timingSafeEqual(scryptSync(BASIC_PASSWORD, scryptSalt, 64, { N: 16384 }), scryptHash),
      skipInstructions: true,
    },
  ];
  return { operations, token, tokenBytes, claims, close: () => auth.close() };
}
