import { ForbiddenException, Inject, Injectable, Logger } from '@nestjs/common';
import type { ResolvedCookieOptions } from '../options/cookie-options.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { readCookie } from './cookie-header.js';
import {
  appendSetCookie,
  forwardedHttps,
  headersOf,
  isLoopbackHost,
  isPlainHttp,
  type HttpRequestLike,
  type HttpResponseLike,
} from '../http/http-message.js';
import { normalizeOrigin, requestOrigin } from '../http/request-origin.js';

/** A token to put in a cookie: what `TokenService` issues. */
export interface CookieToken {
  token: string;
  expiresAt: Date;
}

export type TokenCookieKind = 'access' | 'refresh';

/** Cookie names. `__Host-` makes the browser refuse them unless Secure, host-only and `Path=/`. */
export const TOKEN_COOKIE_NAMES: Readonly<Record<TokenCookieKind, string>> = {
  access: '__Host-nta_access',
  refresh: '__Host-nta_refresh',
};
const HOST_PREFIX = '__Host-';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const COOKIE_VALUE = /^[A-Za-z0-9._-]+$/;

/**
 * Sets, reads and clears the HttpOnly token cookies of cookie mode, and checks the CSRF header.
 *
 * CSRF defence: a required custom header on every state-changing request authenticated by cookie. Browsers send
 * a custom header cross-origin only after a CORS preflight the app does not approve, and `SameSite` already stops
 * cross-site requests; the header also covers same-site origins (sibling subdomains) that SameSite lets through.
 * Unlike a double-submit token it is stateless and leaves nothing for page scripts to read, so every cookie stays
 * HttpOnly.
 */
@Injectable()
export class TokenCookies {
  private readonly logger = new Logger('TokenAuth');
  private readonly cookie?: ResolvedCookieOptions;
  /** Each configuration warning is logged once per process. */
  private readonly warned = new Set<string>();

  constructor(@Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions) {
    this.cookie = options.cookie;
  }

  /** True when the module was configured with a `cookie` option. */
  get enabled(): boolean {
    return this.cookie !== undefined;
  }

  /** The header name the CSRF check requires, lower case. */
  get csrfHeader(): string {
    return this.settings().csrfHeader;
  }

  /** The cookie name used for this request: `__Host-` unless plain http where `allowInsecureHttp` permits it. */
  nameFor(request: HttpRequestLike, kind: TokenCookieKind): string {
    return cookieName(kind, this.secure(request));
  }

  /** Sets the cookie for `kind`, expiring with the token (Max-Age never exceeds its remaining lifetime). */
  set(request: HttpRequestLike, response: HttpResponseLike, kind: TokenCookieKind, issued: CookieToken): void {
    if (!COOKIE_VALUE.test(issued.token)) throw new TypeError('not a token issued by TokenService');
    const maxAge = Math.max(0, Math.floor((issued.expiresAt.getTime() - this.options.clock()) / 1000));
    appendSetCookie(response, this.serialize(request, kind, issued.token, maxAge));
  }

  /** Expires both token cookies, as logout does. */
  clear(request: HttpRequestLike, response: HttpResponseLike): void {
    appendSetCookie(response, this.serialize(request, 'access', '', 0));
    appendSetCookie(response, this.serialize(request, 'refresh', '', 0));
  }

  /** The token in the `kind` cookie, or undefined. Undefined too when cookie mode is off. */
  read(request: HttpRequestLike, kind: TokenCookieKind): string | undefined {
    if (this.cookie === undefined) return undefined;
    const header = headersOf(request).cookie;
    return readCookie(header, this.nameFor(request, kind));
  }

  /**
   * The refresh token of a refresh route: the one in the body (`bodyToken`, for API clients), or in cookie mode
   * the refresh cookie, whose use needs the CSRF header (403 `csrf_header_missing`), as the guard reads access
   * tokens. Both at once is refused as `token_ambiguous` rather than picking one; neither is `token_missing`.
   * Throws `TokenAuthError`, answered by `TokenAuthExceptionFilter`.
   */
  readRefreshToken(request: HttpRequestLike, bodyToken: string | undefined): string {
    const cookie = this.read(request, 'refresh');
    if (cookie === undefined) {
      if (bodyToken === undefined) throw new TokenAuthError('token_missing', 'no refresh token');
      return bodyToken;
    }
    if (bodyToken !== undefined) {
      throw new TokenAuthError('token_ambiguous', 'refresh token sent both in the body and a cookie');
    }
    this.assertCsrf(request);
    return cookie;
  }

  /**
   * Whether a request authenticated by cookie that cannot carry the CSRF header (a WebSocket handshake) comes from
   * an allowed page: its `Origin` equals, scheme, host and port, the origin it was addressed to, or one of
   * `allowedOrigins`.
   */
  acceptsOrigin(request: HttpRequestLike): boolean {
    const header = headersOf(request).origin;
    const origin = typeof header === 'string' ? normalizeOrigin(header) : undefined;
    if (origin === undefined) return false;
    const { allowedOrigins } = this.settings();
    return allowedOrigins.length > 0 ? allowedOrigins.includes(origin) : origin === requestOrigin(request);
  }

  /** Throws 403 `csrf_header_missing` when a state-changing request lacks the CSRF header. */
  assertCsrf(request: HttpRequestLike): void {
    const method = (request.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.has(method)) return;
    const value = headersOf(request)[this.csrfHeader];
    if (typeof value === 'string' && value.length > 0) return;
    throw new ForbiddenException({
      statusCode: 403,
      error: 'Forbidden',
      code: 'csrf_header_missing',
      message: `requests authenticated by cookie must send the ${this.csrfHeader} header`,
    });
  }

  private settings(): ResolvedCookieOptions {
    if (this.cookie === undefined) {
      throw new Error('cookie mode is off: pass a cookie option to TokenAuthModule.forRoot');
    }
    return this.cookie;
  }

  /**
   * `__Host-` and `Secure`, unless the request really is plain http (no TLS, no proxy saying https) and
   * `allowInsecureHttp` allows it for this host. Where the answer will not work in a browser or hides a proxy
   * setting, the first such request logs what to configure.
   */
  private secure(request: HttpRequestLike): boolean {
    if (!isPlainHttp(request)) return true;
    if (forwardedHttps(request)) {
      this.warnOnce(
        'trust-proxy',
        'X-Forwarded-Proto says https but the app sees plain http: token cookies keep __Host- and Secure, but set ' +
          'trust proxy so the app knows (Express: app.set("trust proxy", 1); Fastify: new FastifyAdapter({ trustProxy: 1 }))',
      );
      return true;
    }
    const { insecureHttp } = this.settings();
    if (insecureHttp === 'any' || (insecureHttp === 'loopback' && isLoopbackHost(request))) {
      this.warnOnce(
        'insecure',
        'plain http: token cookies are sent without the __Host- prefix and the Secure flag; use https outside development',
      );
      return false;
    }
    this.warnOnce(
      'plain-http',
      'a plain http request to a host that is not loopback: token cookies are __Host- and Secure, which browsers refuse ' +
        'over http. Serve https; behind a TLS proxy set trust proxy; for development over a LAN set cookie.allowInsecureHttp: true',
    );
    return true;
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.logger.warn(message);
  }

  private serialize(request: HttpRequestLike, kind: TokenCookieKind, value: string, maxAge: number): string {
    const secure = this.secure(request);
    return `${cookieName(kind, secure)}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly;${secure ? ' Secure;' : ''} SameSite=${this.settings().sameSite}`;
  }
}

function cookieName(kind: TokenCookieKind, secure: boolean): string {
  return secure ? TOKEN_COOKIE_NAMES[kind] : TOKEN_COOKIE_NAMES[kind].slice(HOST_PREFIX.length);
}
