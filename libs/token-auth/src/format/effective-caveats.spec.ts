import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { encodeBase64url } from './base64url.js';
import { ATTENUATED_PREFIX } from './caveat-format.js';
import { encodeCaveat, type Caveat } from './caveats.js';
import { readCaveats, type EffectiveCaveats } from './effective-caveats.js';

const ID = encodeBase64url(new Uint8Array(16).fill(7));

/**
 * The caveats read as a verifier reads them: a section (each caveat a length byte and its bytes) after 5 bytes that
 * stand for the body, in a buffer the next token overwrites, with the token's text for `list`.
 */
function read(list: Caveat[]): EffectiveCaveats {
  const section = list.flatMap((caveat) => {
    const bytes = encodeCaveat(caveat);
    return [bytes.length, ...bytes];
  });
  const bytes = Uint8Array.from([1, 2, 3, 4, 5, ...section]);
  const effective = readCaveats(bytes, 5, bytes.length, ATTENUATED_PREFIX + encodeBase64url(bytes));
  bytes.fill(0);
  return effective;
}

describe('readCaveats', () => {
  it('takes every caveat together: earliest expiry, common methods, innermost path, one audience', () => {
    const list: Caveat[] = [
      { type: 'expires', at: 2000 },
      { type: 'methods', methods: ['GET', 'HEAD', 'POST'] },
      { type: 'path', prefix: '/notes' },
      { type: 'expires', at: 1000 },
      { type: 'methods', methods: ['GET', 'DELETE'] },
      { type: 'path', prefix: '/notes/5' },
      { type: 'audience', audience: 'api' },
      { type: 'audience', audience: 'api' },
      { type: 'once', id: ID },
      { type: 'once', id: ID },
    ];
    const effective = read(list);
    expect(effective).toMatchObject({
      expiresAt: 1000,
      methods: ['GET'],
      pathPrefix: '/notes/5',
      audience: 'api',
      once: [ID],
    });
    // Read from the token's text when asked, though the bytes it was read from were overwritten since.
    expect(effective.list).toEqual(list);
    expect(effective.list).toBe(effective.list);
    // The order of two nested prefixes does not matter.
    expect(
      read([
        { type: 'path', prefix: '/notes/5' },
        { type: 'path', prefix: '/notes' },
      ]).pathPrefix,
    ).toBe('/notes/5');
  });

  it('is frozen through and through, with only the fields that apply, and shows its list as JSON and in Node', () => {
    const single = read([{ type: 'methods', methods: ['HEAD', 'GET'] }]);
    for (const part of [single, single.list, single.list[0], single.methods, single.once]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(Object.keys(single)).toEqual(['methods', 'once']);
    expect(JSON.parse(JSON.stringify(single))).toEqual({
      list: [{ type: 'methods', methods: ['GET', 'HEAD'] }],
      methods: ['GET', 'HEAD'],
      once: [],
    });
    expect(inspect(single)).toBe(inspect(JSON.parse(JSON.stringify(single))));
    expect(() => {
      (single as { methods?: unknown }).methods = ['POST'];
    }).toThrow(TypeError);
    expect(Object.isFrozen(Object.getPrototypeOf(single))).toBe(true);
  });

  it.each<[string, Caveat[]]>([
    [
      'methods with nothing in common',
      [
        { type: 'methods', methods: ['GET'] },
        { type: 'methods', methods: ['POST'] },
      ],
    ],
    [
      'two unrelated paths',
      [
        { type: 'path', prefix: '/notes' },
        { type: 'path', prefix: '/notesx' },
      ],
    ],
    [
      'two audiences',
      [
        { type: 'audience', audience: 'a' },
        { type: 'audience', audience: 'b' },
      ],
    ],
  ])('refuses caveats no request can meet: %s', (_, list) => {
    expect(() => read(list)).toThrow(expect.objectContaining({ problem: 'unsatisfiable' }));
  });

  it('refuses the whole section for one caveat it cannot read', () => {
    const bytes = Uint8Array.from([2, 0x02, 0x01, 1, 0x09]);
    expect(() => readCaveats(bytes, 0, bytes.length, '')).toThrow(expect.objectContaining({ problem: 'unknown' }));
  });
});
