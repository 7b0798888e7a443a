import { describe, expect, it } from '@jest/globals';
import { ForbiddenException } from '@nestjs/common';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { generateKey } from '../keys/generate-key.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { resolveOptions } from '../options/token-auth.options.js';
import { TokenCookies } from './token-cookies.js';

function cookies(cookieMode = true): TokenCookies {
  const keyProvider = new StaticKeyProvider([generateKey()]);
  return new TokenCookies(resolveOptions({ keyProvider, ...(cookieMode && { cookie: {} }) }));
}

/** A POST over TLS, as Express hands it over. */
function post(headers: Record<string, string>) {
  return { method: 'POST', protocol: 'https', headers };
}

const COOKIE = { cookie: '__Host-nta_refresh=cookie-token' };
const CSRF = { 'x-csrf-protection': '1' };

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof TokenAuthError) return error.code;
    if (error instanceof ForbiddenException) return (error.getResponse() as { code: string }).code;
    throw error;
  }
  return undefined;
}

describe('TokenCookies.readRefreshToken', () => {
  it('takes the body token from an API client', () => {
    expect(cookies().readRefreshToken(post({}), 'body-token')).toBe('body-token');
    expect(cookies(false).readRefreshToken(post(COOKIE), 'body-token')).toBe('body-token');
  });

  it('takes the refresh cookie with the CSRF header', () => {
    expect(cookies().readRefreshToken(post({ ...COOKIE, ...CSRF }), undefined)).toBe('cookie-token');
  });

  it('refuses the cookie without the CSRF header (403), as the guard does for the access cookie', () => {
    expect(codeOf(() => cookies().readRefreshToken(post(COOKIE), undefined))).toBe('csrf_header_missing');
  });

  it('refuses a token in both the body and a cookie as ambiguous, before the CSRF check', () => {
    expect(codeOf(() => cookies().readRefreshToken(post({ ...COOKIE, ...CSRF }), 'body-token'))).toBe(
      'token_ambiguous',
    );
    expect(codeOf(() => cookies().readRefreshToken(post(COOKIE), 'body-token'))).toBe('token_ambiguous');
  });

  it('refuses a refresh cookie sent twice, and a request with no token at all', () => {
    const twice = { cookie: '__Host-nta_refresh=a; __Host-nta_refresh=b', ...CSRF };
    expect(codeOf(() => cookies().readRefreshToken(post(twice), undefined))).toBe('token_ambiguous');
    expect(codeOf(() => cookies().readRefreshToken(post(CSRF), undefined))).toBe('token_missing');
    expect(codeOf(() => cookies(false).readRefreshToken(post(COOKIE), undefined))).toBe('token_missing');
  });
});
