import { describe, expect, it } from '@jest/globals';
import { run } from '../../bench/ops.bench.js';
import { BareNoncePool, bareIssue, bareVerify } from '../../bench/support/bare-token.js';
import { benchKeys, createTokenAuth } from '../../bench/support/fixtures.js';
import { TokenAuthError } from 'nestjs-token-auth';
import { COUNTED_OPERATIONS, createOperation, REFUSALS } from '../../bench/support/operations.js';
import { recorded } from '../../bench/support/report.js';
import { renderChart } from '../../bench/support/svg-chart.js';

/**
 * Smoke test of the in-process benchmark (`npm run bench -- --quick` runs it with the HTTP, profile and memory
 * suites, which need the compiled bench in child processes). Checks that every operation runs and is reported,
 * never how fast.
 */
describe('bench: per-operation suite, quick mode', () => {
  it('measures every operation and charts them', async () => {
    const markdown = await run({ quick: true });

    for (const operation of [
      'floor: createHmac(sha256, KeyObject) over the token body',
      'TokenService.verify',
      'TokenService.issue',
      'bare verify: decode, length check, HMAC, timingSafeEqual, expiry (no fields returned)',
      'bare issue: nonces, fields, HMAC, encode, ids as strings (no checks, no returned claims)',
      '@nestjs/jwt verify, string secret (docs)',
      '@nestjs/jwt verify, KeyObject secret',
      'jose jwtVerify HS256, Uint8Array secret (docs)',
      'fast-jwt createVerifier HS256 (docs)',
      'fast-jwt createVerifier HS256, cache: true',
      'TokenService.verify, every token new',
      'bcrypt compare, cost 10',
      'scrypt verify, N=16384 r=8 p=1',
      '**sum: the least `verify` can cost**',
      '**sum: the least `issue` can cost**',
      '**the same, for a token without claims**',
    ]) {
      expect(markdown).toContain(`| ${operation} |`);
    }
    // Targets are checked against instruction counts (instructions.bench.ts); this suite only charts.
    const { targets, charts } = recorded();
    expect(targets).toEqual([]);
    const svg = renderChart(charts);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>TokenService.verify</text>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  }, 240_000);

  it("has a bare verify and a bare issue that do the format's work: the library verifies what the bare issue signs", async () => {
    const auth = await createTokenAuth(benchKeys());
    try {
      const key = auth.keyRing.current.active;
      const [token, jti, sid] = bareIssue(
        key.macKeys.access,
        key.keyIdBytes,
        'user-42',
        60_000,
        { roles: ['user'] },
        new BareNoncePool(),
      );
      expect(auth.tokens.verify(token!)).toMatchObject({ sub: 'user-42', jti, sid, claims: { roles: ['user'] } });
      expect(bareVerify(token!, key.macKeys.access)).toBe(true);
      expect(bareVerify(auth.tokens.issue('user-7').token, key.macKeys.access)).toBe(true);
      const forged = token!.slice(0, -2) + (token!.at(-2) === 'A' ? 'B' : 'A') + token!.at(-1);
      expect(bareVerify(forged, key.macKeys.access)).toBe(false);
    } finally {
      await auth.close();
    }
  });

  it('builds each counted operation alone, as its counting process does, and each call succeeds', async () => {
    expect(COUNTED_OPERATIONS).toHaveLength(27);
    for (const name of COUNTED_OPERATIONS) {
      const { operation, close } = await createOperation(name);
      try {
        expect(operation.name).toBe(name);
        // A verify that refused its token would count its error path: every call returns a result. A refusal's
        // operation returns the error it caught, and throws if its token was accepted or refused for another reason.
        const first = await operation.fn();
        expect(first).toBeTruthy();
        expect(first instanceof TokenAuthError).toBe(REFUSALS.includes(name));
        expect(await operation.fn()).toBeTruthy();
      } finally {
        await close();
      }
    }
    // Each operation of the library's group builds the whole group (a Nest context and thousands of tokens).
  }, 300_000);
});
