#!/usr/bin/env node
/**
 * Writes the test vectors of the login time (`auth_time`, docs/token-format.md section 3.1), deterministically, from
 * the spec alone: like generate.mjs, this encoder shares no code with the library (nor with generate.mjs), so the
 * vectors check the library rather than restate it. Each vector is a valid v1 token, the auth time a verifier reads
 * from it, and step-up checks (`max_age` in seconds at `now`) with their outcome.
 *
 *   node docs/test-vectors/generate-auth-time.mjs > docs/test-vectors/auth-time-v1.json
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';

const T0 = Date.UTC(2026, 0, 1); // 2026-01-01T00:00:00Z
const LOGIN = T0 - 600_000 + 250; // ten minutes before T0, at a fractional second
const ACCESS_TTL_MS = 900_000;
const REFRESH_TTL_MS = 14 * 86_400_000;

const fixed = (label, length) => createHash('sha256').update(label).digest().subarray(0, length);
const hkdf = (key, info, length) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, length));
const b64url = (bytes) => bytes.toString('base64url');

/** Section 4: key A of the vectors, the active key of the verifier's ring. */
const master = fixed('nestjs-token-auth test vector master key A', 32);
const key = {
  name: 'A',
  masterKey: master.toString('hex'),
  keyId: b64url(hkdf(master, 'nestjs-token-auth/v1/key-id', 9)),
  macKeys: {
    access: hkdf(master, 'nestjs-token-auth/v1/access', 32),
    refresh: hkdf(master, 'nestjs-token-auth/v1/refresh', 32),
  },
};

const u48 = (value) => {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(value, 0, 6);
  return bytes;
};
const u16 = (value) => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value, 0);
  return bytes;
};

/** Section 3: the body, then the tag under the purpose's MAC key. */
function token(f) {
  const subject = Buffer.from(f.subject, 'utf8');
  const claims = Buffer.from(f.claims, 'utf8');
  const bytes = Buffer.concat([
    Buffer.of(0x01, f.purpose === 'access' ? 0x01 : 0x02),
    Buffer.from(key.keyId, 'base64url'),
    Buffer.from(f.tokenId, 'hex'),
    Buffer.from(f.sessionId, 'hex'),
    u48(f.issuedAt),
    u48(f.expiresAt),
    Buffer.of(subject.length),
    subject,
    u16(claims.length),
    claims,
  ]);
  const tag = createHmac('sha256', key.macKeys[f.purpose]).update(bytes).digest();
  return {
    bodyHex: bytes.toString('hex'),
    tagHex: tag.toString('hex'),
    token: `nta1.${b64url(Buffer.concat([bytes, tag]))}`,
  };
}

/** Section 3.1: `auth_time` (seconds) when the claims carry it as a non-negative integer; 0 when malformed; else iat. */
function authTimeMs(f) {
  const claims = f.claims === '' ? {} : JSON.parse(f.claims);
  if (!Object.hasOwn(claims, 'auth_time')) return f.issuedAt;
  const seconds = claims.auth_time;
  return Number.isSafeInteger(seconds) && seconds >= 0 ? seconds * 1000 : 0;
}

const sessionId = fixed('auth time session', 16).toString('hex');
const loginSeconds = Math.floor(LOGIN / 1000);

function vector(name, description, n, overrides, now) {
  const f = {
    purpose: 'access',
    keyId: key.keyId,
    tokenId: fixed(`auth time token ${n}`, 16).toString('hex'),
    sessionId,
    issuedAt: LOGIN,
    expiresAt: LOGIN + ACCESS_TTL_MS,
    subject: 'user-42',
    claims: '',
    ...overrides,
  };
  const authTime = authTimeMs(f);
  // Step-up at `now`: accepted when authTime is not 0 and now - authTime <= maxAge seconds.
  const stepUp = [60, 300, 600, 601, 900].map((maxAge) => ({
    maxAge,
    accepted: authTime !== 0 && now - authTime <= maxAge * 1000,
  }));
  return {
    name,
    description,
    verifier: f.purpose,
    fields: f,
    ...token(f),
    now,
    expected: { claims: f.claims === '' ? {} : JSON.parse(f.claims), authTimeMs: authTime, stepUp },
  };
}

const vectors = [
  vector(
    'login-access',
    "A login's own access token: no auth_time, so the login time is its iat (with its milliseconds).",
    1,
    {},
    LOGIN + 60_000,
  ),
  vector(
    'login-refresh',
    "A login's own refresh token: no auth_time either; its iat is the session's start.",
    2,
    { purpose: 'refresh', expiresAt: LOGIN + REFRESH_TTL_MS },
    LOGIN + 60_000,
  ),
  vector(
    'refreshed-access-auth-time',
    'An access token made by a refresh at T0, ten minutes after the login: auth_time holds the login in whole seconds.',
    3,
    { issuedAt: T0, expiresAt: T0 + ACCESS_TTL_MS, claims: `{"roles":["editor"],"auth_time":${loginSeconds}}` },
    T0 + 1_000,
  ),
  vector(
    'refreshed-refresh-auth-time',
    'The refresh token of the same pair, with no claims of the app: only auth_time.',
    4,
    { purpose: 'refresh', issuedAt: T0, expiresAt: T0 + REFRESH_TTL_MS, claims: `{"auth_time":${loginSeconds}}` },
    T0 + 1_000,
  ),
  vector(
    'continued-session-unknown',
    'A token issued to continue a session without its login time: auth_time 0, never recent enough.',
    5,
    { issuedAt: T0, expiresAt: T0 + ACCESS_TTL_MS, claims: '{"auth_time":0}' },
    T0 + 1_000,
  ),
  vector(
    'malformed-auth-time',
    'auth_time that is not a non-negative integer (a string here) reads as 0; the token itself is valid.',
    6,
    { issuedAt: T0, expiresAt: T0 + ACCESS_TTL_MS, claims: `{"auth_time":"${loginSeconds}"}` },
    T0 + 1_000,
  ),
];

const output = {
  format: 'nta1',
  spec: 'docs/token-format.md, section 3.1',
  generator: 'docs/test-vectors/generate-auth-time.mjs',
  notes: [
    'Times are milliseconds since the Unix epoch, but auth_time, which is whole seconds. "now" is the verifier clock.',
    'Every token is valid: verified at "now" by a verifier of its purpose (verifier) with key A in its ring.',
    'expected.authTimeMs is the login time a verifier reads; expected.stepUp, whether a max_age (seconds) accepts it.',
  ],
  key: { name: key.name, masterKey: key.masterKey, keyId: key.keyId },
  vectors,
};

process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
