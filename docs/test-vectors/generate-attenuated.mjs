#!/usr/bin/env node
/**
 * Writes the test vectors of attenuated tokens (docs/token-format.md, section 9), deterministically, from the spec
 * alone: like generate.mjs, this encoder shares no code with the library (nor with generate.mjs), so the vectors
 * check the library rather than restate it.
 *
 *   node docs/test-vectors/generate-attenuated.mjs > docs/test-vectors/attenuated-v1.json
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';

const T0 = Date.UTC(2026, 0, 1); // 2026-01-01T00:00:00Z
const TTL_MS = 900_000;
const TOLERANCE_MS = 30_000;
const MAX_LIFETIME_MS = 86_400_000;
const AUDIENCE = 'notes-api';
const MAX_CAVEATS = 8;
const MAX_CAVEAT_BYTES = 128;
const MAX_LENGTH = 6 + Math.ceil(((56 + 255 + 2 + 1024 + 32 + MAX_CAVEATS * (1 + MAX_CAVEAT_BYTES)) * 4) / 3);

const fixed = (label, length) => createHash('sha256').update(label).digest().subarray(0, length);
const hkdf = (key, info, length) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, length));
const b64url = (bytes) => bytes.toString('base64url');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** Section 4: the master key of a name, its key id and its MAC keys. */
function key(name) {
  const master = fixed(`nestjs-token-auth test vector master key ${name}`, 32);
  return {
    name,
    masterKey: master.toString('hex'),
    keyId: hkdf(master, 'nestjs-token-auth/v1/key-id', 9),
    access: hkdf(master, 'nestjs-token-auth/v1/access', 32),
    refresh: hkdf(master, 'nestjs-token-auth/v1/refresh', 32),
  };
}
const A = key('A'); // in the verifier's ring, active
const C = key('C'); // outside it

const u48 = (value) => {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(value, 0, 6);
  return bytes;
};

/** Section 3: a v1 body. */
function body({
  purpose = 1,
  keyId = A.keyId,
  n = 1,
  issuedAt = T0,
  expiresAt = T0 + TTL_MS,
  subject = 'user-42',
  claims = '',
}) {
  const subjectBytes = Buffer.from(subject, 'utf8');
  const claimsBytes = Buffer.from(claims, 'utf8');
  const claimsLength = Buffer.alloc(2);
  claimsLength.writeUInt16BE(claimsBytes.length);
  return Buffer.concat([
    Buffer.of(0x01, purpose),
    keyId,
    fixed(`attenuated vector token id ${n}`, 16),
    fixed(`attenuated vector session id ${n}`, 16),
    u48(issuedAt),
    u48(expiresAt),
    Buffer.of(subjectBytes.length),
    subjectBytes,
    claimsLength,
    claimsBytes,
  ]);
}

/** Section 9.3: a caveat's bytes, its type byte then its payload. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
function caveatBytes(caveat) {
  switch (caveat.type) {
    case 'expires':
      return Buffer.concat([Buffer.of(0x01), u48(caveat.at)]);
    case 'methods':
      return Buffer.of(
        0x02,
        caveat.methods.reduce((bits, m) => bits | (1 << METHODS.indexOf(m)), 0),
      );
    case 'path':
      return Buffer.concat([Buffer.of(0x03), Buffer.from(caveat.prefix, 'utf8')]);
    case 'audience':
      return Buffer.concat([Buffer.of(0x04), Buffer.from(caveat.audience, 'utf8')]);
    case 'once':
      return Buffer.concat([Buffer.of(0x05), Buffer.from(caveat.id, 'base64url')]);
    case 'raw':
      return Buffer.from(caveat.hex, 'hex');
    default:
      throw new Error(caveat.type);
  }
}

/** Section 9.2: t0 = HMAC(macKey, body), ti = HMAC(t(i-1), caveat i); the token shows the last link. */
function attenuated(bodyBytes, macKey, caveats, { chainWith } = {}) {
  const encoded = caveats.map(caveatBytes);
  const links = [hmac(macKey, bodyBytes)];
  for (const bytes of chainWith ?? encoded) links.push(hmac(links.at(-1), bytes));
  const section = Buffer.concat(encoded.map((bytes) => Buffer.concat([Buffer.of(bytes.length), bytes])));
  return {
    parent: `nta1.${b64url(Buffer.concat([bodyBytes, links[0]]))}`,
    caveatsHex: encoded.map((bytes) => bytes.toString('hex')),
    linksHex: links.map((link) => link.toString('hex')),
    token: `nta1c.${b64url(Buffer.concat([bodyBytes, section, links.at(-1)]))}`,
    bytes: Buffer.concat([bodyBytes, section, links.at(-1)]),
  };
}

const GET = { method: 'GET', path: '/notes/5' };
const ONCE_ID = b64url(fixed('attenuated vector once id', 16));
const three = [
  { type: 'expires', at: T0 + 600_000 },
  { type: 'methods', methods: ['GET', 'HEAD'] },
  { type: 'path', prefix: '/notes/5' },
];

function valid(name, description, caveats, { request = GET, now = T0 + 60_000, fields = {}, expected = {} } = {}) {
  const made = attenuated(body(fields), A.access, caveats);
  return {
    name,
    description,
    parent: made.parent,
    caveats,
    caveatsHex: made.caveatsHex,
    linksHex: made.linksHex,
    token: made.token,
    request,
    now,
    expected,
  };
}

const validVectors = [
  valid('one-caveat', 'One methods caveat: GET and HEAD only.', [{ type: 'methods', methods: ['GET', 'HEAD'] }], {
    expected: { expiresAt: T0 + TTL_MS, methods: ['GET', 'HEAD'], once: [] },
  }),
  valid('three-caveats', 'An earlier expiry, GET and HEAD, and one note.', three, {
    expected: { expiresAt: T0 + 600_000, methods: ['GET', 'HEAD'], pathPrefix: '/notes/5', once: [] },
  }),
  valid(
    'share-link',
    "The demo's share link: 10 minutes, read-only, one note, this service only.",
    [...three, { type: 'audience', audience: AUDIENCE }],
    {
      request: { method: 'HEAD', path: '/notes/5?x=1' },
      expected: {
        expiresAt: T0 + 600_000,
        methods: ['GET', 'HEAD'],
        pathPrefix: '/notes/5',
        audience: AUDIENCE,
        once: [],
      },
    },
  ),
  valid(
    'nested-paths',
    'Two path caveats, the second under the first: the inner one applies. A request below it passes.',
    [
      { type: 'path', prefix: '/notes' },
      { type: 'path', prefix: '/notes/5' },
    ],
    {
      request: { method: 'DELETE', path: '/notes/5/comments/1' },
      expected: { expiresAt: T0 + TTL_MS, pathPrefix: '/notes/5', once: [] },
    },
  ),
  valid(
    'utf8-path',
    'A path prefix with a multi-byte character, matched against the request path decoded once.',
    [{ type: 'path', prefix: '/files/café' }],
    {
      request: { method: 'GET', path: '/files/caf%C3%A9/x' },
      expected: { expiresAt: T0 + TTL_MS, pathPrefix: '/files/café', once: [] },
    },
  ),
  valid(
    'once',
    'A one-time caveat: valid on its first use (the store then spends the id).',
    [{ type: 'once', id: ONCE_ID }],
    {
      expected: { expiresAt: T0 + TTL_MS, once: [ONCE_ID] },
    },
  ),
  valid(
    'claims-and-eight-caveats',
    'A parent with claims, and the most caveats a token may carry.',
    [
      ...three,
      { type: 'audience', audience: AUDIENCE },
      { type: 'expires', at: T0 + 300_000 },
      { type: 'methods', methods: ['GET'] },
      { type: 'path', prefix: '/notes/5/text' },
      { type: 'audience', audience: AUDIENCE },
    ],
    {
      fields: { n: 2, claims: '{"roles":["user"]}' },
      request: { method: 'GET', path: '/notes/5/text' },
      expected: {
        expiresAt: T0 + 300_000,
        methods: ['GET'],
        pathPrefix: '/notes/5/text',
        audience: AUDIENCE,
        once: [],
      },
    },
  ),
];

// Appending to an attenuated token is attenuating the parent with every caveat at once.
const twice = validVectors[1];

function invalid(name, description, token, error, { request = GET, now = T0 + 60_000 } = {}) {
  return { name, description, token, request, now, error };
}

const base = attenuated(body({}), A.access, three);
const other = attenuated(body({ n: 3 }), A.access, [
  { type: 'expires', at: T0 + 600_000 },
  { type: 'methods', methods: ['GET', 'HEAD'] },
  { type: 'path', prefix: '/notes/6' },
]);
/** `base`'s body and tag around other caveat bytes: what editing the caveats without the key gives. */
const withCaveats = (encoded, tag = base.bytes.subarray(-32)) =>
  `nta1c.${b64url(
    Buffer.concat([body({}), ...encoded.map((bytes) => Buffer.concat([Buffer.of(bytes.length), bytes])), tag]),
  )}`;
const baseCaveats = three.map(caveatBytes);
const otherCaveats = other.caveatsHex.map((hex) => Buffer.from(hex, 'hex'));

const invalidVectors = [
  invalid(
    'caveat-removed',
    'The last caveat dropped, the tag kept.',
    withCaveats(baseCaveats.slice(0, 2)),
    'invalid_signature',
  ),
  invalid(
    'caveat-removed-first',
    'The first caveat dropped, the tag kept.',
    withCaveats(baseCaveats.slice(1)),
    'invalid_signature',
  ),
  invalid(
    'caveats-reordered',
    'Two caveats swapped.',
    withCaveats([baseCaveats[1], baseCaveats[0], baseCaveats[2]]),
    'invalid_signature',
  ),
  invalid(
    'caveat-duplicated',
    'A caveat repeated.',
    withCaveats([...baseCaveats, baseCaveats[1]]),
    'invalid_signature',
  ),
  invalid(
    'caveat-edited',
    'The path caveat changed to another note.',
    withCaveats([baseCaveats[0], baseCaveats[1], caveatBytes({ type: 'path', prefix: '/notes/6' })]),
    'invalid_signature',
  ),
  invalid(
    'caveats-spliced',
    "Another token's caveats (same key, another parent) under this token's tag.",
    withCaveats(otherCaveats),
    'invalid_signature',
  ),
  invalid(
    'caveat-spliced-with-its-tag',
    "This token's body under another token's caveats and tag.",
    withCaveats(otherCaveats, other.bytes.subarray(-32)),
    'invalid_signature',
  ),
  invalid(
    'parent-tag',
    'The caveats kept and the tag replaced by the parent tag t0.',
    withCaveats(baseCaveats, Buffer.from(base.linksHex[0], 'hex')),
    'invalid_signature',
  ),
  invalid(
    'chain-of-another-key',
    'The chain started from a tag of key C under the key id of A.',
    attenuated(body({}), C.access, three).token,
    'invalid_signature',
  ),
  invalid(
    'key-outside-ring',
    'A chain under key C, whose id the ring does not hold.',
    attenuated(body({ keyId: C.keyId }), C.access, three).token,
    'unknown_key',
  ),
  invalid(
    'refresh-parent',
    'A chain from a refresh token (purpose 0x02) under the refresh key.',
    attenuated(body({ purpose: 2, expiresAt: T0 + 86_400_000 }), A.refresh, three).token,
    'wrong_purpose',
  ),
  invalid(
    'plain-prefix',
    'The bytes of an attenuated token under the v1 prefix.',
    `nta1.${b64url(base.bytes)}`,
    'token_malformed',
  ),
  invalid(
    'no-caveats',
    'The bytes of a v1 token under the attenuated prefix: no caveat.',
    `nta1c.${base.parent.slice(5)}`,
    'token_malformed',
  ),
  invalid(
    'caveat-length-zero',
    'A caveat length byte of 0.',
    `nta1c.${b64url(Buffer.concat([body({}), Buffer.of(0, 0), base.bytes.subarray(-32)]))}`,
    'token_malformed',
  ),
  invalid(
    'caveat-length-past-tag',
    'A caveat length byte reaching into the tag.',
    `nta1c.${b64url(Buffer.concat([body({}), Buffer.of(20, 2, 1), base.bytes.subarray(-32)]))}`,
    'token_malformed',
  ),
  invalid(
    'caveat-too-long',
    'A caveat of 129 bytes (at most 128).',
    attenuated(body({}), A.access, [{ type: 'path', prefix: `/${'a'.repeat(127)}` }]).token,
    'token_malformed',
  ),
  invalid(
    'nine-caveats',
    'Nine caveats (at most 8), correctly chained.',
    attenuated(
      body({}),
      A.access,
      Array.from({ length: 9 }, () => ({ type: 'methods', methods: ['GET'] })),
    ).token,
    'token_malformed',
  ),
  invalid(
    'too-long',
    'One character past the cap of an attenuated token, checked before decoding.',
    `nta1c.${'A'.repeat(MAX_LENGTH - 5)}`,
    'token_malformed',
  ),
  invalid(
    'unknown-caveat-type',
    'A caveat of type 0x06, correctly chained: no verifier of this version knows it, so it is refused.',
    attenuated(body({}), A.access, [...three, { type: 'raw', hex: '0648656c6c6f' }]).token,
    'caveat_unknown',
  ),
  invalid(
    'methods-reserved-bit',
    'A methods caveat with bit 7 set, correctly chained.',
    attenuated(body({}), A.access, [{ type: 'raw', hex: '0281' }]).token,
    'token_malformed',
  ),
  invalid(
    'path-not-normal',
    'A path prefix with a .. segment, correctly chained.',
    attenuated(body({}), A.access, [{ type: 'path', prefix: '/notes/5/../6' }]).token,
    'token_malformed',
  ),
  invalid(
    'audiences-conflict',
    'Two audience caveats naming different services: no request can meet both.',
    attenuated(body({}), A.access, [
      { type: 'audience', audience: AUDIENCE },
      { type: 'audience', audience: 'billing' },
    ]).token,
    'caveat_unmet',
  ),
  invalid(
    'expired-by-caveat',
    'Past the expires caveat plus the tolerance, before the token expires.',
    base.token,
    'token_expired',
    {
      now: T0 + 600_000 + TOLERANCE_MS + 1,
    },
  ),
  invalid(
    'parent-expired',
    'Past the parent expiry plus the tolerance.',
    attenuated(body({}), A.access, [{ type: 'methods', methods: ['GET'] }]).token,
    'token_expired',
    {
      now: T0 + TTL_MS + TOLERANCE_MS + 1,
    },
  ),
  invalid('method-not-allowed', 'POST against GET and HEAD.', base.token, 'caveat_unmet', {
    request: { method: 'POST', path: '/notes/5' },
  }),
  invalid('path-outside', 'The list of notes against one note.', base.token, 'caveat_unmet', {
    request: { method: 'GET', path: '/notes' },
  }),
  invalid('path-sibling', '/notes/50 is not under /notes/5.', base.token, 'caveat_unmet', {
    request: { method: 'GET', path: '/notes/50' },
  }),
  invalid('path-climbs', 'A request path climbing out with ..', base.token, 'caveat_unmet', {
    request: { method: 'GET', path: '/notes/5/../6' },
  }),
  invalid('path-encoded-slash', 'A request path with an encoded slash and dots.', base.token, 'caveat_unmet', {
    request: { method: 'GET', path: '/notes/5%2F..%2F6' },
  }),
  invalid('path-encoded-dots', 'A request path with encoded dot segments.', base.token, 'caveat_unmet', {
    request: { method: 'GET', path: '/notes/5/%2e%2e/6' },
  }),
  invalid(
    'wrong-audience',
    'An audience caveat naming another service.',
    attenuated(body({}), A.access, [{ type: 'audience', audience: 'billing' }]).token,
    'caveat_unmet',
  ),
];

for (const v of [...validVectors, ...invalidVectors]) {
  if (v.token.length > MAX_LENGTH && v.name !== 'too-long') throw new Error(`${v.name} is over the cap`);
}

const output = {
  format: 'nta1c',
  spec: 'docs/token-format.md#9-attenuated-tokens',
  generator: 'docs/test-vectors/generate-attenuated.mjs',
  notes: [
    'Every token is an attenuated access token (nta1c.) whose parent is an access token of key A, the only key of the ring.',
    'linksHex lists t0 (the parent tag, HMAC(access MAC key, body)) then each ti = HMAC(t(i-1), caveat i); the token shows the last.',
    "request is what the verifier checks caveats against: the method and the request target as received; audience is the verifier's own.",
    'expected lists the caveats taken together (methods, pathPrefix, audience, once) and expiresAt, the effective expiry the verified claims carry.',
    'attenuate(parent, caveats) must give token byte for byte; appending caveats to an attenuated token gives what one call with all of them gives.',
  ],
  verifier: {
    purpose: 'access',
    clockToleranceMs: TOLERANCE_MS,
    maxLifetimeMs: MAX_LIFETIME_MS,
    audience: AUDIENCE,
    maxCaveats: MAX_CAVEATS,
    maxCaveatBytes: MAX_CAVEAT_BYTES,
    maxTokenLength: MAX_LENGTH,
  },
  keys: [
    { name: 'A', inRing: true, masterKey: A.masterKey, keyId: b64url(A.keyId), accessMacKey: A.access.toString('hex') },
    {
      name: 'C',
      inRing: false,
      masterKey: C.masterKey,
      keyId: b64url(C.keyId),
      accessMacKey: C.access.toString('hex'),
    },
  ],
  valid: validVectors,
  appended: {
    description:
      'three-caveats attenuated once more, with the caveat given here: the same as attenuating its parent with all four.',
    from: twice.token,
    caveat: { type: 'path', prefix: '/notes/5/text' },
    token: attenuated(body({}), A.access, [...three, { type: 'path', prefix: '/notes/5/text' }]).token,
  },
  invalid: invalidVectors,
};

process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
