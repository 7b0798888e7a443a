#!/usr/bin/env node
/**
 * Writes the token format v1 test vectors, deterministically, from the spec alone (docs/token-format.md): this
 * encoder shares no code with the library, so the vectors check the library rather than restate it.
 *
 *   node docs/test-vectors/generate.mjs > docs/test-vectors/token-v1.json
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';

const PREFIX = 'nta1.';
const PURPOSE = { access: 0x01, refresh: 0x02 };
const INFO = {
  keyId: 'nestjs-token-auth/v1/key-id',
  access: 'nestjs-token-auth/v1/access',
  refresh: 'nestjs-token-auth/v1/refresh',
};
const TOLERANCE_MS = 30_000;
const MAX_LIFETIME_MS = 86_400_000;
const MAX_REFRESH_LIFETIME_MS = 2_592_000_000;
const MAX_TOKEN_LENGTH = 1831;
const T0 = Date.UTC(2026, 0, 1); // 2026-01-01T00:00:00Z
const TTL_MS = 900_000;

/** Fixed bytes from a label, so that every value in the file can be re-derived. */
const fixed = (label, length) => createHash('sha256').update(label).digest().subarray(0, length);
const hkdf = (key, info, length) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, length));
const b64url = (bytes) => bytes.toString('base64url');
/** Section 4.4: nta-key-v1.<key>.<first 6 bytes of SHA-256("nestjs-token-auth/v1/key-text" || key)>. */
const KEY_TEXT_PREFIX = 'nta-key-v1.';
const keyCheck = (key) =>
  b64url(
    createHash('sha256')
      .update(Buffer.concat([Buffer.from('nestjs-token-auth/v1/key-text'), key]))
      .digest()
      .subarray(0, 6),
  );
const keyText = (key) => `${KEY_TEXT_PREFIX}${b64url(key)}.${keyCheck(key)}`;

function makeKey(name, state, inRing) {
  const master = fixed(`nestjs-token-auth test vector master key ${name}`, 32);
  return {
    name,
    state,
    inRing,
    masterKey: master.toString('hex'),
    keyId: b64url(hkdf(master, INFO.keyId, 9)),
    accessMacKey: hkdf(master, INFO.access, 32).toString('hex'),
    refreshMacKey: hkdf(master, INFO.refresh, 32).toString('hex'),
    keyText: keyText(master),
    ringEntry: `${b64url(hkdf(master, INFO.keyId, 9))}:${keyText(master)}`,
  };
}

const keys = {
  A: makeKey('A', 'active', true),
  B: makeKey('B', 'verify-only', true),
  C: makeKey('C', 'active', false),
};

function u48(value) {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(value, 0, 6);
  return bytes;
}

function u16(value) {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value, 0);
  return bytes;
}

/**
 * The body exactly as section "Byte layout" lays it out; `overrides` break one field on purpose, and
 * `subjectBytes` / `claimsBytes` (hex) give bytes that no string encodes, such as invalid UTF-8.
 */
function body(f, overrides = {}) {
  const subject = overrides.subjectBytes ? Buffer.from(overrides.subjectBytes, 'hex') : Buffer.from(f.subject, 'utf8');
  const claims = overrides.claimsBytes ? Buffer.from(overrides.claimsBytes, 'hex') : Buffer.from(f.claims, 'utf8');
  return Buffer.concat([
    Buffer.of(overrides.version ?? 0x01, overrides.purposeByte ?? PURPOSE[f.purpose]),
    Buffer.from(f.keyId, 'base64url'),
    Buffer.from(f.tokenId, 'hex'),
    Buffer.from(f.sessionId, 'hex'),
    u48(f.issuedAt),
    u48(f.expiresAt),
    Buffer.of(overrides.subjectLength ?? subject.length),
    subject,
    u16(overrides.claimsLength ?? claims.length),
    claims,
  ]);
}

const mac = (macKeyHex, bytes) => createHmac('sha256', Buffer.from(macKeyHex, 'hex')).update(bytes).digest();
const tokenOf = (bytes, tag) => PREFIX + b64url(Buffer.concat([bytes, tag]));

function fields(n, overrides) {
  return {
    purpose: 'access',
    keyId: keys.A.keyId,
    tokenId: fixed(`token id ${n}`, 16).toString('hex'),
    sessionId: fixed(`session id ${n}`, 16).toString('hex'),
    issuedAt: T0,
    expiresAt: T0 + TTL_MS,
    subject: 'user-42',
    claims: '',
    ...overrides,
  };
}

/** Signs with the MAC key of the purpose the fields name, unless `macKey` says otherwise. */
function sign(keyName, f, { macKey, overrides } = {}) {
  const bytes = body(f, overrides);
  const tag = mac(macKey ?? keys[keyName][`${f.purpose}MacKey`], bytes);
  return { bytes, tag, token: tokenOf(bytes, tag) };
}

function valid(name, description, keyName, f, now, verifier) {
  const { bytes, tag, token } = sign(keyName, f);
  return {
    name,
    description,
    ...(verifier && { verifier }),
    key: keyName,
    fields: f,
    bodyHex: bytes.toString('hex'),
    tagHex: tag.toString('hex'),
    token,
    now,
    expected: {
      sub: f.subject,
      jti: b64url(Buffer.from(f.tokenId, 'hex')),
      sid: b64url(Buffer.from(f.sessionId, 'hex')),
      purpose: f.purpose,
      kid: f.keyId,
      issuedAt: f.issuedAt,
      expiresAt: f.expiresAt,
      claims: f.claims === '' ? {} : JSON.parse(f.claims),
    },
  };
}

const validVectors = [
  valid('ascii-subject', 'An access token with an ASCII subject and no claims.', 'A', fields(1), T0 + 60_000),
  valid(
    'utf8-subject-and-claims',
    'A multi-byte UTF-8 subject and a claims object.',
    'A',
    fields(2, { subject: 'zoë@例え.jp', claims: '{"roles":["admin","editor"],"tenant":"acme"}' }),
    T0 + 60_000,
  ),
  valid(
    'largest',
    'A 255-byte subject and 1024 bytes of claims: the longest token, exactly MAX_TOKEN_LENGTH (1831) characters.',
    'A',
    fields(3, { subject: `${'é'.repeat(127)}x`, claims: `{"pad":"${'x'.repeat(1014)}"}` }),
    T0 + 60_000,
  ),
  valid(
    'explicit-empty-claims',
    'Claims written as the two bytes "{}" verify to an empty object.',
    'A',
    fields(4, { claims: '{}' }),
    T0,
  ),
  valid(
    'verify-only-key',
    'Signed by a verify-only key of the ring: accepted.',
    'B',
    fields(5, { keyId: keys.B.keyId }),
    T0 + 60_000,
  ),
  valid(
    'expiry-at-tolerance',
    'Verified exactly clock tolerance after expiry: accepted.',
    'A',
    fields(6),
    T0 + TTL_MS + TOLERANCE_MS,
  ),
  valid(
    'issued-at-tolerance',
    'Verified exactly clock tolerance before issue: accepted.',
    'A',
    fields(7),
    T0 - TOLERANCE_MS,
  ),
  valid(
    'maximum-lifetime',
    'A lifetime of exactly the verifier maximum (86400 s): accepted.',
    'A',
    fields(8, { expiresAt: T0 + MAX_LIFETIME_MS }),
    T0 + 60_000,
  ),
  valid(
    'refresh-token',
    'A 14-day refresh token, verified by a refresh verifier (purpose refresh, maximum lifetime 30 days).',
    'A',
    fields(24, { purpose: 'refresh', expiresAt: T0 + 14 * 86_400_000, claims: '{"roles":["editor"]}' }),
    T0 + 60_000,
    'refresh',
  ),
  valid(
    'subject-replacement-character',
    'Subject bytes 61 ef bf bd: valid UTF-8 for "a" and U+FFFD itself, accepted as that text.',
    'A',
    fields(25, { subject: 'a\uFFFD' }),
    T0 + 60_000,
  ),
  valid(
    'duplicate-claim-names',
    'Claims naming "role" twice: the last one wins, as in JSON.parse. This library never issues such claims.',
    'A',
    fields(26, { claims: '{"role":"user","tenant":"acme","role":"admin"}' }),
    T0 + 60_000,
  ),
];

const base = validVectors[0];
const baseEncoded = base.token.slice(PREFIX.length);
const baseBytes = Buffer.concat([Buffer.from(base.bodyHex, 'hex'), Buffer.from(base.tagHex, 'hex')]);
const now = T0 + 60_000;
const invalid = [];
const reject = (name, error, description, token, at = now, f) =>
  invalid.push({ name, description, token, now: at, error, ...(f && { key: f.key, fields: f.fields }) });

function signedLayout(n, overrides, f = fields(n)) {
  return sign('A', f, { overrides }).token;
}

// Step 0: nothing to verify.
reject('empty', 'token_missing', 'The empty string.', '');

// Step 1: the length cap, before any decoding.
reject(
  'too-long',
  'token_malformed',
  'One character over MAX_TOKEN_LENGTH.',
  PREFIX + 'A'.repeat(MAX_TOKEN_LENGTH - PREFIX.length + 1),
);

// Step 2: prefix.
reject('no-prefix', 'token_malformed', 'The encoded bytes of a valid token without "nta1.".', baseEncoded);
reject('prefix-upper-case', 'token_malformed', 'The prefix is case-sensitive.', `NTA1.${baseEncoded}`);
reject(
  'newer-version-prefix',
  'unsupported_version',
  'A well-formed prefix of a version this verifier does not know.',
  `nta2.${baseEncoded}`,
);

// Step 3: strict, canonical base64url.
const padded = `${base.token}${'='.repeat((4 - (baseEncoded.length % 4)) % 4 || 1)}`;
reject('padding', 'token_malformed', 'Base64 padding after a valid token.', padded);
{
  // The last character carries unused low bits when the byte count is not a multiple of 3; a canonical encoder
  // writes them as zero.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (baseBytes.length % 3 === 0) throw new Error('the base vector needs a byte count that is not a multiple of 3');
  const last = alphabet.indexOf(baseEncoded.at(-1));
  const changed = alphabet[last | 1];
  if (alphabet[last] === changed) throw new Error('unused bits already set');
  reject(
    'non-canonical-last-character',
    'token_malformed',
    'The last character sets bits that encode no byte.',
    base.token.slice(0, -1) + changed,
  );
}
{
  const withDash = validVectors.find((v) => /[-_]/.test(v.token.slice(PREFIX.length)));
  const swapped = withDash.token.replace(/[-_]/, (c) => (c === '-' ? '+' : '/'));
  reject(
    'standard-base64-alphabet',
    'token_malformed',
    'A "-" or "_" written as "+" or "/" (standard base64).',
    swapped,
  );
}
reject(
  'character-outside-alphabet',
  'token_malformed',
  'A "!" in place of one character.',
  `${base.token.slice(0, 40)}!${base.token.slice(41)}`,
);
reject(
  'space-inside',
  'token_malformed',
  'A space inside the encoded bytes.',
  `${base.token.slice(0, 40)} ${base.token.slice(40)}`,
);
reject('two-tokens', 'token_malformed', 'Two tokens joined by a dot.', `${base.token}.${validVectors[1].token}`);
reject('truncated-tag', 'token_malformed', 'The last 4 characters (3 tag bytes) removed.', base.token.slice(0, -4));
reject(
  'truncated-to-minimum',
  'token_malformed',
  'Fewer bytes than the smallest possible token.',
  `${PREFIX}${b64url(baseBytes.subarray(0, 60))}`,
);
reject(
  'trailing-byte',
  'token_malformed',
  'One zero byte appended to the decoded bytes, re-encoded canonically.',
  tokenOf(baseBytes, Buffer.of(0)),
);
reject('prefix-only', 'token_malformed', 'The prefix and nothing else.', PREFIX);

// Step 4: version byte and layout (the tags below are valid: only the layout is wrong).
reject(
  'version-byte',
  'unsupported_version',
  'Prefix "nta1." but version byte 0x02.',
  signedLayout(9, { version: 0x02 }),
);
reject('zero-subject-length', 'token_malformed', 'Subject length 0.', signedLayout(10, { subjectLength: 0 }));
reject(
  'subject-length-past-end',
  'token_malformed',
  'Subject length 255 with a 7-byte subject.',
  signedLayout(11, { subjectLength: 255 }),
);
reject(
  'claims-length-over-limit',
  'token_malformed',
  'Claims length 1025, with 1025 bytes of claims present.',
  signedLayout(12, {}, fields(12, { claims: `{"pad":"${'x'.repeat(1015)}"}` })),
);
reject(
  'claims-length-mismatch',
  'token_malformed',
  'Claims length 10 with no claims bytes.',
  signedLayout(13, { claimsLength: 10 }),
);

// Step 5: purpose.
{
  const f = fields(14, { purpose: 'refresh' });
  reject(
    'refresh-purpose',
    'wrong_purpose',
    'A refresh token, signed with the refresh MAC key, offered as an access token.',
    sign('A', f).token,
    now,
    { key: 'A', fields: f },
  );
}
reject('unknown-purpose', 'wrong_purpose', 'Purpose byte 0x03.', signedLayout(15, { purposeByte: 0x03 }));

// Step 6: key id.
{
  const f = fields(16, { keyId: keys.C.keyId });
  reject('key-outside-ring', 'unknown_key', 'Signed by a valid key that is not in the ring.', sign('C', f).token, now, {
    key: 'C',
    fields: f,
  });
}

// Step 7: the tag.
{
  const f = fields(17);
  const { bytes, tag } = sign('A', f);
  const flipped = Buffer.from(tag);
  flipped[31] ^= 0x01;
  reject('tag-last-bit', 'invalid_signature', 'The last bit of the tag flipped.', tokenOf(bytes, flipped));
  reject(
    'tag-of-another-key',
    'invalid_signature',
    'Key id of A, tag made with the access MAC key of B.',
    sign('A', f, { macKey: keys.B.accessMacKey }).token,
  );
  reject(
    'tag-of-refresh-key',
    'invalid_signature',
    'Purpose access, tag made with the refresh MAC key of A.',
    sign('A', f, { macKey: keys.A.refreshMacKey }).token,
  );
  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 3] ^= 0x07; // subject 'user-42' -> 'user-45'
  reject('subject-changed', 'invalid_signature', 'The subject changed after signing.', tokenOf(tampered, tag));
}

// Step 8: time.
{
  const f = fields(18);
  const { token } = sign('A', f);
  reject(
    'expired',
    'token_expired',
    'Verified 1 ms past expiry plus clock tolerance.',
    token,
    T0 + TTL_MS + TOLERANCE_MS + 1,
    { key: 'A', fields: f },
  );
  reject(
    'not-yet-valid',
    'token_not_yet_valid',
    'Verified 1 ms before issue minus clock tolerance.',
    token,
    T0 - TOLERANCE_MS - 1,
    { key: 'A', fields: f },
  );
}
{
  const long = fields(19, { expiresAt: T0 + MAX_LIFETIME_MS + 1 });
  reject('lifetime-over-maximum', 'invalid_lifetime', 'A lifetime 1 ms over the maximum.', sign('A', long).token, now, {
    key: 'A',
    fields: long,
  });
  const zero = fields(20, { expiresAt: T0 });
  reject('zero-lifetime', 'invalid_lifetime', 'Expires at the instant of issue.', sign('A', zero).token, T0, {
    key: 'A',
    fields: zero,
  });
  const negative = fields(21, { expiresAt: T0 - 1 });
  reject('negative-lifetime', 'invalid_lifetime', 'Expires before it was issued.', sign('A', negative).token, T0, {
    key: 'A',
    fields: negative,
  });
}

// Steps 12 and 13: subject and claims, read only from an authentic token, as strict UTF-8.
for (const [n, hex, what] of [
  [27, '61ff', 'a byte that never occurs in UTF-8 (0xff)'],
  [28, '61fe', 'a byte that never occurs in UTF-8 (0xfe)'],
  [29, '61c0', 'a lead byte with no continuation (0xc0)'],
  [30, 'c0af', 'an overlong encoding of "/" (c0 af)'],
  [31, '61eda080', 'an encoded UTF-16 surrogate (ed a0 80)'],
]) {
  const token = sign('A', fields(n), { overrides: { subjectBytes: hex, subjectLength: hex.length / 2 } }).token;
  reject(`subject-invalid-utf8-${hex}`, 'token_malformed', `Authentic subject bytes ${hex}: ${what}.`, token);
}
{
  const claimsHex = Buffer.concat([Buffer.from('{"r":"'), Buffer.of(0xff), Buffer.from('"}')]).toString('hex');
  const token = sign('A', fields(32), {
    overrides: { claimsBytes: claimsHex, claimsLength: claimsHex.length / 2 },
  }).token;
  reject(
    'claims-invalid-utf8',
    'token_malformed',
    `Authentic claims bytes ${claimsHex}: a 0xff inside a JSON string.`,
    token,
  );
  const bom = fields(33, { claims: '\uFEFF{"r":1}' });
  reject(
    'claims-byte-order-mark',
    'token_malformed',
    'Authentic claims starting with a UTF-8 byte order mark (ef bb bf).',
    sign('A', bom).token,
    now,
    { key: 'A', fields: bom },
  );
}
{
  const access = fields(34);
  reject(
    'access-purpose-to-refresh-verifier',
    'wrong_purpose',
    'An access token offered to a refresh verifier.',
    sign('A', access).token,
    now,
    { key: 'A', fields: access },
  );
  invalid.at(-1).verifier = 'refresh';
}
// Claims that are not a JSON object.
{
  const array = fields(22, { claims: '["admin"]' });
  reject(
    'claims-not-an-object',
    'token_malformed',
    'Authentic claims that are a JSON array.',
    sign('A', array).token,
    now,
    { key: 'A', fields: array },
  );
  const broken = fields(23, { claims: '{"roles":' });
  reject('claims-not-json', 'token_malformed', 'Authentic claims that are not JSON.', sign('A', broken).token, now, {
    key: 'A',
    fields: broken,
  });
}

for (const v of invalid) {
  if (v.token.length > MAX_TOKEN_LENGTH && v.name !== 'too-long') throw new Error(`${v.name} is over the cap`);
}

/** Key texts a reader must refuse (section 4.4), each with the rule it breaks. */
function keyTextInvalid() {
  const master = Buffer.from(keys.A.masterKey, 'hex');
  const text = keys.A.keyText;
  const [, body, check] = text.split('.');
  const swap = (s, at) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  const short = master.subarray(0, 31);
  const long = Buffer.concat([master, master, Buffer.of(1)]);
  return [
    {
      name: 'raw-key',
      text: b64url(master),
      rule: 'raw key bytes, not a key text: refused unless raw keys are allowed',
    },
    { name: 'check-cut-short', text: text.slice(0, -1), rule: 'checksum' },
    {
      name: 'key-cut-short',
      text: `${KEY_TEXT_PREFIX}${body.slice(0, -1)}.${check}`,
      rule: 'form (not canonical base64url)',
    },
    { name: 'key-char-changed', text: `${KEY_TEXT_PREFIX}${swap(body, 10)}.${check}`, rule: 'checksum' },
    { name: 'check-char-changed', text: `${KEY_TEXT_PREFIX}${body}.${swap(check, 3)}`, rule: 'checksum' },
    { name: 'no-check', text: `${KEY_TEXT_PREFIX}${body}`, rule: 'form' },
    { name: 'padded', text: `${KEY_TEXT_PREFIX}${body}=.${check}`, rule: 'form' },
    {
      name: 'standard-base64',
      text: keyText(fixed('nestjs-token-auth key text with + and /', 32)).replace(/-/g, '+').replace(/_/g, '/'),
      rule: 'form',
    },
    { name: 'upper-case-prefix', text: text.replace('nta-key-v1.', 'NTA-KEY-V1.'), rule: 'form' },
    { name: 'unknown-version', text: text.replace('nta-key-v1.', 'nta-key-v2.'), rule: 'version' },
    { name: 'too-short', text: `${KEY_TEXT_PREFIX}${b64url(short)}.${keyCheck(short)}`, rule: 'length (31 bytes)' },
    { name: 'too-long', text: `${KEY_TEXT_PREFIX}${b64url(long)}.${keyCheck(long)}`, rule: 'length (65 bytes)' },
    { name: 'trailing-dot', text: `${text}.`, rule: 'form' },
  ];
}

const output = {
  format: 'nta1',
  spec: 'docs/token-format.md',
  generator: 'node docs/test-vectors/generate.mjs > docs/test-vectors/token-v1.json',
  notes: [
    'Byte strings are hex unless named token, keyId, jti, sid or ringEntry (base64url without padding).',
    'Times are milliseconds since the Unix epoch. "now" is the verifier clock for the vector.',
    'The ring is every key with inRing true; ringEntry is its "id:key" compact entry, keyText its key text (section 4.4).',
    'ring is the compact ring of A and B with its count; keyTextInvalid lists key texts a reader must refuse.',
    'fields.claims is the exact UTF-8 text of the claims bytes ("" for none).',
    'A vector with "verifier": "refresh" is for a refresh-token verifier (verifier.refresh); the others for access.',
    'Invalid vectors whose subject or claims bytes are not valid UTF-8 give no fields: no string encodes them.',
  ],
  verifier: {
    purpose: 'access',
    clockToleranceMs: TOLERANCE_MS,
    maxLifetimeMs: MAX_LIFETIME_MS,
    maxTokenLength: MAX_TOKEN_LENGTH,
    refresh: { purpose: 'refresh', maxLifetimeMs: MAX_REFRESH_LIFETIME_MS },
  },
  keys: Object.values(keys),
  ring: `${keys.A.ringEntry},${keys.B.ringEntry},n=2`,
  keyTextInvalid: keyTextInvalid(),
  valid: validVectors,
  invalid,
};
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
