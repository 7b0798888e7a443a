import { describe, expect, it } from '@jest/globals';
import { isRequestPathUnder, isUnder, normalisedRequestPath } from './request-path.js';

describe('request paths', () => {
  it('matches a prefix segment by segment', () => {
    expect(isUnder('/notes/5', '/notes/5')).toBe(true);
    expect(isUnder('/notes/5/x', '/notes/5')).toBe(true);
    expect(isUnder('/notes/50', '/notes/5')).toBe(false);
    expect(isUnder('/notes', '/notes/5')).toBe(false);
    expect(isUnder('/anything', '/')).toBe(true);
  });

  it('reads a request path decoded once, and refuses every spelling that could reach another path', () => {
    expect(normalisedRequestPath('/notes/5')).toBe('/notes/5');
    expect(normalisedRequestPath('/notes/5/')).toBe('/notes/5');
    expect(normalisedRequestPath('/notes/5?x=/../admin')).toBe('/notes/5');
    expect(normalisedRequestPath('/files/a%20b')).toBe('/files/a b');
    expect(normalisedRequestPath('/caf%C3%A9')).toBe('/café');
    expect(normalisedRequestPath('/')).toBe('/');
    for (const bad of [
      '/notes/5/../../admin',
      '/notes/5/..',
      '/notes/5/.',
      '/notes/./5',
      '/notes/5/%2e%2e/x',
      '/notes/5/%2E%2E',
      '/notes/5%2F..%2Fadmin',
      '/notes/5%2fx',
      '/notes/5%5c..',
      '/notes/5\\..\\admin',
      '/notes//5',
      '/notes/5//',
      '/notes/%00',
      '/notes/%252e%252e',
      '/notes/%zz',
      '/notes/%e9',
      'notes/5',
      'http://host/notes/5',
      '',
    ]) {
      expect([bad, normalisedRequestPath(bad)]).toEqual([bad, undefined]);
    }
  });

  it('answers what matching the normalised path answers, for every target built from tricky pieces', () => {
    const segments = ['', '.', '..', 'notes', '5', '50', '.hidden', '%2e', '%2F', 'a%20b', 'a b', 'caf%C3%A9', 'x\\y'];
    const tails = ['', '/', '?q=/../x', '#/..', '/?', '%'];
    const prefixes = ['/', '/notes', '/notes/5', '/notes/5/50', '/a b', '/café', '/.hidden'];
    let checked = 0;
    for (const a of segments) {
      for (const b of segments) {
        for (const c of ['', ...segments]) {
          for (const tail of tails) {
            const target = `/${a}/${b}${c === '' ? '' : `/${c}`}${tail}`;
            const path = normalisedRequestPath(target);
            for (const prefix of prefixes) {
              const expected = path !== undefined && isUnder(path, prefix);
              if (isRequestPathUnder(target, prefix) !== expected) {
                throw new Error(`${target} under ${prefix}: expected ${expected}`);
              }
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('refuses the spellings that climb out of a prefix, and a target that is not a path', () => {
    for (const target of [
      '/notes/5/../6',
      '/notes/5/%2e%2e/6',
      '/notes/5%2F..%2F6',
      '/notes/5/./../6',
      '/notes/5\\..\\6',
      '/notes//5',
      '//notes/5',
      '/./notes/5',
      '/notes/50',
      '/notes',
      'notes/5',
      '?/notes/5',
      '',
    ]) {
      expect([target, isRequestPathUnder(target, '/notes/5')]).toEqual([target, false]);
    }
    for (const target of [
      '/notes/5',
      '/notes/5/',
      '/notes/5/x?y=/../..',
      '/notes/5#..',
      '/notes/5/a%20b',
      '/notes/5/.x',
    ]) {
      expect([target, isRequestPathUnder(target, '/notes/5')]).toEqual([target, true]);
    }
  });
});
