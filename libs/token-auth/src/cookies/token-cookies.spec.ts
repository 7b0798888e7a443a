import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { generateKey } from '../keys/generate-key.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { resolveOptions } from '../options/token-auth.options.js';
import type { TokenAuthCookieOptions } from '../options/cookie-options.js';
import { TokenCookies } from './token-cookies.js';

function cookies(cookie: TokenAuthCookieOptions = {}): TokenCookies {
  return new TokenCookies(resolveOptions({ keyProvider: new StaticKeyProvider([generateKey()]), cookie }));
}

/** A WebSocket handshake as Node hands it over: no `protocol`, TLS visible on the socket. */
function handshake(headers: Record<string, string>, encrypted = false) {
  return { headers, socket: { encrypted } };
}

describe('TokenCookies.acceptsOrigin (WebSocket handshakes authenticated by cookie)', () => {
  it('compares the whole origin: scheme, host and port', () => {
    const tls = cookies();
    expect(tls.acceptsOrigin(handshake({ host: 'app.example.com', origin: 'https://app.example.com' }, true))).toBe(
      true,
    );
    expect(tls.acceptsOrigin(handshake({ host: 'app.example.com', origin: 'https://APP.example.com:443' }, true))).toBe(
      true,
    );
    expect(tls.acceptsOrigin(handshake({ host: 'app.example.com', origin: 'http://app.example.com' }, true))).toBe(
      false,
    );
    expect(
      tls.acceptsOrigin(handshake({ host: 'app.example.com', origin: 'https://app.example.com:8443' }, true)),
    ).toBe(false);
    expect(tls.acceptsOrigin(handshake({ host: 'app.example.com:8080', origin: 'http://app.example.com:8080' }))).toBe(
      true,
    );
    expect(tls.acceptsOrigin(handshake({ host: 'app.example.com:8080', origin: 'https://app.example.com:8080' }))).toBe(
      false,
    );
  });

  it('takes the scheme from X-Forwarded-Proto behind a TLS proxy', () => {
    const behindProxy = handshake({
      host: 'app.example.com',
      origin: 'https://app.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(cookies().acceptsOrigin(behindProxy)).toBe(true);
    const downgraded = handshake({
      host: 'app.example.com',
      origin: 'http://app.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(cookies().acceptsOrigin(downgraded)).toBe(false);
  });

  it('refuses a missing, opaque or malformed Origin', () => {
    for (const origin of [undefined, 'null', 'not a url', 'https://app.example.com/path']) {
      const headers: Record<string, string> = { host: 'app.example.com', ...(origin !== undefined && { origin }) };
      expect(cookies().acceptsOrigin(handshake(headers, true))).toBe(false);
    }
  });

  it('with allowedOrigins, accepts exactly those origins', () => {
    const allowed = cookies({ allowedOrigins: ['https://app.example.com', 'https://admin.example.com:8443'] });
    expect(
      allowed.acceptsOrigin(handshake({ host: 'api.example.com', origin: 'https://admin.example.com:8443' }, true)),
    ).toBe(true);
    expect(allowed.acceptsOrigin(handshake({ host: 'api.example.com', origin: 'https://api.example.com' }, true))).toBe(
      false,
    );
    expect(allowed.acceptsOrigin(handshake({ host: 'api.example.com', origin: 'http://app.example.com' }, true))).toBe(
      false,
    );
  });

  it('refuses allowedOrigins that are not origins, at startup', () => {
    expect(() => cookies({ allowedOrigins: ['app.example.com'] })).toThrow(
      /cookie.allowedOrigins: "app.example.com" is not an origin/,
    );
    expect(() => cookies({ allowedOrigins: ['https://app.example.com/'] })).not.toThrow();
    expect(() => cookies({ allowedOrigins: ['https://app.example.com/login'] })).toThrow(/not an origin/);
    expect(() => cookies({ allowedOrigins: 'https://app.example.com' as never })).toThrow(/must be an array/);
  });
});

describe('TokenCookies names over plain http, and what it logs', () => {
  const warnings: string[] = [];
  beforeEach(() => {
    warnings.length = 0;
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const http = (headers: Record<string, string>) => ({ headers, protocol: 'http' });

  it('behind a TLS proxy without trust proxy: __Host- names, and one warning saying to set trust proxy', () => {
    const tokenCookies = cookies();
    const request = http({ host: 'app.example.com', 'x-forwarded-proto': 'https' });
    expect(tokenCookies.nameFor(request, 'access')).toBe('__Host-nta_access');
    expect(tokenCookies.nameFor(request, 'refresh')).toBe('__Host-nta_refresh');
    expect(warnings).toEqual([expect.stringContaining('trust proxy')]);
  });

  it('plain http to another host: __Host- names, and one warning naming https, trust proxy and the opt-in', () => {
    const tokenCookies = cookies();
    expect(tokenCookies.nameFor(http({ host: '192.168.1.20:3000' }), 'access')).toBe('__Host-nta_access');
    expect(warnings).toEqual([expect.stringMatching(/https.*trust proxy.*allowInsecureHttp: true/)]);
  });

  it('plain http to a loopback host: plain names; with allowInsecureHttp: true, to any host; with false, none', () => {
    expect(cookies().nameFor(http({ host: 'localhost:3000' }), 'access')).toBe('nta_access');
    expect(cookies({ allowInsecureHttp: true }).nameFor(http({ host: '192.168.1.20:3000' }), 'access')).toBe(
      'nta_access',
    );
    expect(cookies({ allowInsecureHttp: false }).nameFor(http({ host: 'localhost:3000' }), 'access')).toBe(
      '__Host-nta_access',
    );
  });
});
