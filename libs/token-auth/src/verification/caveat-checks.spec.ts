import { describe, expect, it } from '@jest/globals';
import type { EffectiveCaveats } from '../format/effective-caveats.js';
import type { VerificationFacts } from './attenuated-tokens.js';
import { CaveatChecks } from './caveat-checks.js';

function refusal(checks: CaveatChecks, facts: VerificationFacts | undefined): string | undefined {
  const error = checks.refusal(facts);
  expect(error?.code ?? 'caveat_unmet').toBe('caveat_unmet');
  return error?.message;
}

/** What CaveatChecks reads of a token's caveats (readCaveats, tested in effective-caveats.spec.ts, makes them). */
function caveats(fields: Omit<EffectiveCaveats, 'list' | 'once'> & { once?: string[] }): EffectiveCaveats {
  return { list: [], once: [], ...fields };
}

describe('CaveatChecks', () => {
  it('checks methods, path and audience against the request; a missing fact meets no caveat', () => {
    const narrowed = caveats({ methods: ['GET'], pathPrefix: '/notes/5', audience: 'api' });
    const checks = new CaveatChecks(narrowed, 'api');
    expect(refusal(checks, { method: 'GET', path: '/notes/5' })).toBeUndefined();
    expect(refusal(checks, { method: 'POST', path: '/notes/5' })).toMatch(/allow only GET/);
    expect(refusal(checks, { method: 'GET', path: '/notes' })).toMatch(/outside/);
    expect(refusal(checks, { method: 'GET', path: '/notes/5/../6' })).toMatch(/normal form/);
    expect(refusal(checks, { method: 'GET', path: '/notes/5' })).toBeUndefined();
    expect(refusal(checks, undefined)).toBeDefined();
    expect(refusal(checks, { path: '/notes/5' })).toBeDefined();
    expect(refusal(checks, { method: 'GET' })).toBeDefined();
    for (const audience of ['other', undefined]) {
      expect(refusal(new CaveatChecks(narrowed, audience), { method: 'GET', path: '/notes/5' })).toMatch(
        /another service/,
      );
    }
    expect(refusal(new CaveatChecks(caveats({ expiresAt: 1 }), undefined), undefined)).toBe(undefined);
  });

  it('allows exactly the methods the caveats allow, named in upper case', () => {
    const checks = new CaveatChecks(caveats({ methods: ['HEAD', 'DELETE'] }), undefined);
    const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'head', 'TRACE', ''].filter(
      (method) => checks.refusal({ method }) === undefined,
    );
    expect(allowed).toEqual(['HEAD', 'DELETE']);
  });

  it('answers a path it allowed before as before, and every other path by its own text', () => {
    const checks = new CaveatChecks(caveats({ pathPrefix: '/notes/5' }), undefined);
    for (let round = 0; round < 2; round++) {
      expect(refusal(checks, { path: '/notes/5/x' })).toBeUndefined();
      expect(refusal(checks, { path: '/notes/5/../6' })).toMatch(/outside/);
      expect(refusal(checks, { path: '/notes/5%2F..%2F6' })).toMatch(/outside/);
      expect(refusal(checks, { path: '/notes/6' })).toMatch(/outside/);
      // The same text as a string of its own.
      expect(refusal(checks, { path: ['', 'notes', '5', 'x'].join('/') })).toBeUndefined();
      expect(refusal(checks, {})).toMatch(/needs the request path/);
    }
  });

  it('asks that a one-time token’s use be spent', () => {
    const checks = new CaveatChecks(caveats({ once: ['B'.repeat(21) + 'A'] }), undefined);
    expect(refusal(checks, {})).toMatch(/one-time/);
    expect(refusal(checks, { spendsOnce: true })).toBeUndefined();
  });
});
