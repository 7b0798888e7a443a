import { describe, expect, it } from '@jest/globals';
import { AuthorizationSchemes, authorizationTokenOf, bearerTokenOf } from './authorization-header.js';

const headers = (...values: string[]) => values.flatMap((value) => ['Authorization', value]);
const codeOf = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  return 'no error';
};

describe('the token of the Authorization header', () => {
  it('reads Bearer in any case, after one or more spaces; none sent is undefined', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(bearerTokenOf(headers(`${scheme} abc`))).toBe('abc');
    }
    expect(bearerTokenOf(headers('Bearer   abc'))).toBe('abc');
    expect(bearerTokenOf(['accept', '*/*'])).toBeUndefined();
  });

  it('refuses another scheme, a missing token and two headers, by default', () => {
    expect(codeOf(() => bearerTokenOf(headers('Token abc')))).toBe(
      'token_malformed: expected Authorization: Bearer <token>',
    );
    expect(codeOf(() => bearerTokenOf(headers('Bearer')))).toMatch(/^token_malformed/);
    expect(codeOf(() => bearerTokenOf(headers('Bearer ')))).toMatch(/^token_malformed/);
    expect(codeOf(() => bearerTokenOf(headers('Bearerabc')))).toMatch(/^token_malformed/);
    expect(codeOf(() => bearerTokenOf(['authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b']))).toBe(
      'token_malformed: more than one Authorization header',
    );
  });

  it('reads every configured scheme, case-insensitively, with the same strict parsing', () => {
    const schemes = new AuthorizationSchemes(['Token', 'Bearer']);
    expect(schemes.challenge).toBe('Token');
    for (const value of ['Token abc', 'token abc', 'TOKEN  abc', 'Bearer abc', 'bearer abc']) {
      expect(authorizationTokenOf(headers(value), schemes)).toBe('abc');
    }
    for (const value of ['Basic abc', 'Tokens abc', 'Token', 'Token ', ' Token abc', 'Tokenabc', 'JWT abc']) {
      expect(codeOf(() => authorizationTokenOf(headers(value), schemes))).toBe(
        'token_malformed: expected Authorization: Token <token> or Bearer <token>',
      );
    }
    expect(codeOf(() => authorizationTokenOf(headers('Token a', 'Token b'), schemes))).toBe(
      'token_malformed: more than one Authorization header',
    );
  });

  it('with only Token configured, refuses Bearer', () => {
    const schemes = new AuthorizationSchemes(['Token']);
    expect(authorizationTokenOf(headers('Token abc'), schemes)).toBe('abc');
    expect(codeOf(() => authorizationTokenOf(headers('Bearer abc'), schemes))).toBe(
      'token_malformed: expected Authorization: Token <token>',
    );
  });
});
