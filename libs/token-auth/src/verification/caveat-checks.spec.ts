import { describe, expect, it } from '@jest/globals';
import { effectiveCaveats } from '../format/caveats.js';
import type { VerificationFacts } from './attenuated-tokens.js';
import { CaveatChecks } from './caveat-checks.js';

function refusal(checks: CaveatChecks, facts: VerificationFacts | undefined): string | undefined {
  const error = checks.refusal(facts);
  expect(error?.code ?? 'caveat_unmet').toBe('caveat_unmet');
  return error?.message;
}

describe('CaveatChecks', () => {
  it('checks methods, path and audience against the request; a missing fact meets no caveat', () => {
    const caveats = effectiveCaveats([
      { type: 'methods', methods: ['GET'] },
      { type: 'path', prefix: '/notes/5' },
      { type: 'audience', audience: 'api' },
    ]);
    const checks = new CaveatChecks(caveats, 'api');
    expect(refusal(checks, { method: 'GET', path: '/notes/5' })).toBeUndefined();
    expect(refusal(checks, { method: 'POST', path: '/notes/5' })).toMatch(/allow only GET/);
    expect(refusal(checks, { method: 'GET', path: '/notes' })).toMatch(/outside/);
    expect(refusal(checks, { method: 'GET', path: '/notes/5/../6' })).toMatch(/normal form/);
    expect(refusal(checks, { method: 'GET', path: '/notes/5' })).toBeUndefined();
    expect(refusal(checks, undefined)).toBeDefined();
    expect(refusal(checks, { path: '/notes/5' })).toBeDefined();
    expect(refusal(checks, { method: 'GET' })).toBeDefined();
    for (const audience of ['other', undefined]) {
      expect(refusal(new CaveatChecks(caveats, audience), { method: 'GET', path: '/notes/5' })).toMatch(
        /another service/,
      );
    }
    expect(refusal(new CaveatChecks(effectiveCaveats([{ type: 'expires', at: 1 }]), undefined), undefined)).toBe(
      undefined,
    );
  });

  it('allows exactly the methods every methods caveat allows, named in upper case', () => {
    const checks = new CaveatChecks(
      effectiveCaveats([
        { type: 'methods', methods: ['GET', 'HEAD', 'DELETE'] },
        { type: 'methods', methods: ['HEAD', 'DELETE', 'PUT'] },
      ]),
      undefined,
    );
    const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'head', 'TRACE', ''].filter(
      (method) => checks.refusal({ method }) === undefined,
    );
    expect(allowed).toEqual(['HEAD', 'DELETE']);
  });

  it('answers a path it allowed before as before, and every other path by its own text', () => {
    const checks = new CaveatChecks(effectiveCaveats([{ type: 'path', prefix: '/notes/5' }]), undefined);
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
    const checks = new CaveatChecks(effectiveCaveats([{ type: 'once', id: 'B'.repeat(21) + 'A' }]), undefined);
    expect(refusal(checks, {})).toMatch(/one-time/);
    expect(refusal(checks, { spendsOnce: true })).toBeUndefined();
  });
});
