import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_PREFIX } from 'nestjs-token-auth';
import { OFFSET_SUBJECT, SESSION_ID, TOKEN_ID } from './support/bare-token.js';
import type { BenchOptions } from './support/bench-options.js';
import { formatNs, formatRatio, table } from './support/markdown.js';
import { measure, type Candidate } from './support/measure.js';
import { SUBJECT } from './support/fixtures.js';
import { createOperations, FLOOR } from './support/operations.js';
import { recordChart } from './support/report.js';

/** Per-operation cost, in process: our verify and issue, the HMAC floor, the JWT libraries and password hashing. */
export async function run({ quick }: BenchOptions): Promise<string> {
  const { operations: candidates, token, tokenBytes, claims, close } = await createOperations();
  const floorOp = candidates.find((c) => c.name === FLOOR)!;
  const stepList = hotPathSteps(token, tokenBytes, claims);
  const stepOf = new Map(stepList.map((step) => [step.name, step]));
  const steps = await measure(
    [floorOp, ...stepList],
    quick ? { rounds: 2, batchMs: 5, warmupMs: 5 } : { rounds: 11, batchMs: 100, warmupMs: 200 },
  );
  const results = await measure(
    candidates,
    quick ? { rounds: 2, batchMs: 5, warmupMs: 5 } : { rounds: 11, batchMs: 250, warmupMs: 500 },
  );
  await close();

  const floor = results.find((r) => r.name === FLOOR)!.nsPerOp;
  const stepFloor = steps[0]!.nsPerOp;
  /** The least an operation can cost, as a ratio to the floor: the floor plus the steps it cannot skip. */
  const stepsOf = (operation: Step['operation'], withClaims: boolean) =>
    steps.filter((measured) => {
      const step = stepOf.get(measured.name);
      return step?.operation === operation && (withClaims || !step.claimsOnly);
    });
  const least = (operation: Step['operation'], withClaims: boolean) =>
    (stepFloor + stepsOf(operation, withClaims).reduce((sum, step) => sum + step.nsPerOp, 0)) / stepFloor;
  recordChart({
    title: 'Cost of one operation (log scale, lower is better)',
    format: 'ns',
    log: true,
    bars: results.map((r) => ({ label: r.name, value: r.nsPerOp, ours: r.name.startsWith('TokenService') })),
  });

  const rows = results.map((r) => [
    r.name,
    formatNs(r.nsPerOp),
    formatRatio(r.nsPerOp / floor),
    `${formatNs(Math.min(...r.rounds))} - ${formatNs(Math.max(...r.rounds))}`,
    String(r.iterationsPerRound),
  ]);
  const stepRows = (operation: Step['operation']) => {
    const own = stepsOf(operation, true);
    const bold = (name: string, ratio: number) => [
      `**${name}**`,
      `**${formatNs(ratio * stepFloor)}**`,
      `**${formatRatio(ratio)}**`,
    ];
    return [
      ...[steps[0]!, ...own].map((step) => [step.name, formatNs(step.nsPerOp), formatRatio(step.nsPerOp / stepFloor)]),
      bold(`sum: the least \`${operation}\` can cost`, least(operation, true)),
      bold('the same, for a token without claims', least(operation, false)),
    ];
  };
  return [
    '## Per operation, in process',
    '',
    `Median of ${results[0]!.rounds.length} interleaved rounds after warm-up; each round runs every operation for about ` +
      `${quick ? 5 : 250} ms, in an order that rotates each round. The token carries subject \`${SUBJECT}\` and ` +
      `claims \`${JSON.stringify(claims)}\` (${tokenBytes.length} bytes); the JWT carries the same subject and roles. ` +
      'Our tokens are signed and verified with the HMAC key derived for access tokens; the floor and the bare ' +
      'format use a KeyObject of the same size over a body of the same bytes, written by the bare issue (a token ' +
      'without claims is shorter, but hashes the same number of SHA-256 blocks).',
    '',
    'Each library is used as its documentation shows, and where a faster configuration exists it is measured too:',
    '',
    '- `@nestjs/jwt`: `new JwtService({ secret, signOptions })`, what `JwtModule.register` provides, then ' +
      '`verify(token)`. Tuned: the secret as a `KeyObject` (`createSecretKey`), so jsonwebtoken does not rebuild ' +
      'a key from the string on each call.',
    '- `jose`: `jwtVerify(jwt, new TextEncoder().encode(secret))` as in its README. Tuned: a `CryptoKey` imported ' +
      'once with `crypto.subtle.importKey`.',
    '- `fast-jwt`: `createVerifier({ key: secret })` as in its README (it turns the string into a KeyObject once).',
    '- `bcrypt`: `compareSync(password, hash)` against a cost-10 hash; scrypt: `scryptSync(password, salt, 64, ' +
      '{ N: 16384 })` and `timingSafeEqual`. Either would run on every request under HTTP Basic auth.',
    '',
    table(['operation', 'ns/op (median)', 'vs floor', 'range over rounds', 'iterations/round'], rows),
    '',
    '### What verify and issue cannot skip',
    '',
    "Each step the API requires, timed alone with Node's own functions on the same token (median of interleaved " +
      'rounds, measured separately from the table above). `verify` must decode the token, refuse non-canonical ' +
      'text, compute the HMAC, compare tags in constant time, read the clock and return `sub`, `jti`, `sid` and ' +
      '`claims` as strings and an object (the claims object comes from a cache of parsed claims keyed by their ' +
      'JSON text, so only the text is decoded); `issue` must take two nonces, serialize the claims, compute the ' +
      'HMAC, encode the token and return the same claims. Their sum is the lowest ratio to the floor that this API ' +
      'can reach in JavaScript, before any function call, object or branch of our own. The bare verify in the ' +
      "table above is the same bound measured whole: the format's checks with no fields returned; the bare " +
      'issue likewise writes and signs a token with nothing around it.',
    '',
    '#### verify',
    '',
    table(['step', 'ns/op', 'vs floor'], stepRows('verify')),
    '',
    '#### issue',
    '',
    table(['step', 'ns/op', 'vs floor'], stepRows('issue')),
  ].join('\n');
}

interface Step extends Candidate {
  operation: 'verify' | 'issue';
  /** Work done only for a token that carries claims. */
  claimsOnly?: boolean;
}

/** The steps verify and issue cannot skip, each done alone with Node's functions on the benchmark token. */
function hotPathSteps(token: string, bytes: Buffer, claims: Record<string, unknown>): Step[] {
  const text = token.slice(TOKEN_PREFIX.length);
  const bodyLength = bytes.length - 32;
  const tag = Buffer.from(bytes.subarray(bodyLength));
  const decoded = Buffer.alloc(bytes.length);
  const claimsJson = JSON.stringify(claims);
  const subjectLength = bytes[OFFSET_SUBJECT - 1]!;
  const claimsStart = OFFSET_SUBJECT + subjectLength + 2;
  const parsedClaims = new Map([[claimsJson, Object.freeze(JSON.parse(claimsJson))]]);
  const pool = randomBytes(4096);
  const nonce = () => {
    const out = Buffer.allocUnsafe(16);
    pool.copy(out, 0, 64, 80);
    return out;
  };
  return [
    {
      operation: 'verify',
      name: 'decode into a reused buffer: write(text, base64url)',
      fn: () => decoded.write(text, 'base64url'),
    },
    {
      operation: 'verify',
      name: 'canonical check: re-encode and compare',
      fn: () => bytes.toString('base64url') === text,
    },
    {
      operation: 'verify',
      name: 'timingSafeEqual of the 32-byte tag',
      fn: () => timingSafeEqual(tag, bytes.subarray(bodyLength)),
    },
    { operation: 'verify', name: 'Date.now()', fn: () => Date.now() },
    {
      operation: 'verify',
      name: 'sub, jti, sid as strings (3 toString)',
      fn: () =>
        bytes.toString('utf8', OFFSET_SUBJECT, OFFSET_SUBJECT + subjectLength) +
        bytes.toString('base64url', ...TOKEN_ID) +
        bytes.toString('base64url', ...SESSION_ID),
    },
    {
      operation: 'verify',
      name: 'claims: UTF-8 text and a lookup of the parsed object',
      claimsOnly: true,
      fn: () => parsedClaims.get(bytes.toString('utf8', claimsStart, claimsStart + claimsJson.length)),
    },
    { operation: 'issue', name: 'two 16-byte nonces from a pool', fn: () => [nonce(), nonce()] },
    {
      operation: 'issue',
      name: 'claims: JSON.stringify + Buffer.from',
      claimsOnly: true,
      fn: () => Buffer.from(JSON.stringify(claims), 'utf8'),
    },
    {
      operation: 'issue',
      name: 'encode: toString(base64url) + prefix',
      fn: () => TOKEN_PREFIX + bytes.toString('base64url'),
    },
    {
      operation: 'issue',
      name: 'jti, sid as strings (2 toString)',
      fn: () => bytes.toString('base64url', ...TOKEN_ID) + bytes.toString('base64url', ...SESSION_ID),
    },
    { operation: 'issue', name: 'Date.now() and new Date(expiry)', fn: () => new Date(Date.now() + 900_000) },
  ];
}
