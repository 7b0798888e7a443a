import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { normalizeOrigin } from '../http/request-origin.js';
import { DEFAULT_COOKIE_SAME_SITE, DEFAULT_CSRF_HEADER } from './defaults.js';

/** Opt-in cookie transport for browser apps: `TokenAuthModule.forRoot({ ..., cookie: { sameSite: 'strict' } })`. */
export interface TokenAuthCookieOptions {
  /** `SameSite` of the access and refresh cookies. Default `'strict'`. */
  sameSite?: 'strict' | 'lax';
  /**
   * The request header every state-changing request authenticated by cookie must carry (any non-empty value).
   * Default `'x-csrf-protection'`. Do not allow it from untrusted origins in your CORS configuration.
   */
  csrfHeader?: string;
  /**
   * Where a request over plain http gets cookies without the `__Host-` prefix and the `Secure` flag (with a
   * warning). Default: only a request to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), so a development
   * server on `http://localhost` works; none when `NODE_ENV` is `production`. `true`: any plain http request (a
   * development server reached over a LAN); refused in production. `false`: never. A request that a proxy says came
   * over https (`X-Forwarded-Proto: https`) always gets `__Host-` and `Secure`.
   */
  allowInsecureHttp?: boolean;
  /**
   * Origins (`https://app.example.com`) whose pages may open WebSockets authenticated by the access cookie, which
   * no CSRF header can protect. Default: only the origin the handshake was addressed to, scheme included.
   */
  allowedOrigins?: readonly string[];
}

/** Which plain http requests get insecure cookie names: none, those to a loopback host, or all. */
export type InsecureHttp = 'never' | 'loopback' | 'any';

export interface ResolvedCookieOptions {
  sameSite: 'Strict' | 'Lax';
  /** Lower case, as Node stores header names. */
  csrfHeader: string;
  insecureHttp: InsecureHttp;
  /** Normalised; empty: the handshake's own origin only. */
  allowedOrigins: readonly string[];
}

const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
// A cross-origin page may send these without a CORS preflight, so they prove nothing about the caller.
const UNUSABLE_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'authorization',
  'cookie',
]);

export function resolveCookieOptions(options: TokenAuthCookieOptions | undefined): ResolvedCookieOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TokenAuthConfigError('cookie must be an object such as { sameSite: "strict" }, or left out');
  }
  const sameSite = options.sameSite ?? DEFAULT_COOKIE_SAME_SITE;
  if (sameSite !== 'strict' && sameSite !== 'lax') {
    throw new TokenAuthConfigError(`cookie.sameSite must be "strict" or "lax", got ${String(sameSite)}`);
  }
  const csrfHeader = (options.csrfHeader ?? DEFAULT_CSRF_HEADER).toLowerCase();
  if (!HEADER_NAME.test(csrfHeader) || UNUSABLE_HEADERS.has(csrfHeader)) {
    throw new TokenAuthConfigError(
      `cookie.csrfHeader must be a custom header name such as "x-csrf-protection", got ${String(options.csrfHeader)}`,
    );
  }
  const production = process.env.NODE_ENV === 'production';
  const allow = options.allowInsecureHttp;
  if (allow !== undefined && typeof allow !== 'boolean') {
    throw new TokenAuthConfigError(`cookie.allowInsecureHttp must be true, false or left out, got ${String(allow)}`);
  }
  if (allow === true && production) {
    throw new TokenAuthConfigError(
      'cookie.allowInsecureHttp is refused when NODE_ENV=production: serve over https (or behind a TLS proxy with trust proxy set)',
    );
  }
  if (options.allowedOrigins !== undefined && !Array.isArray(options.allowedOrigins)) {
    throw new TokenAuthConfigError(
      'cookie.allowedOrigins must be an array of origins such as ["https://app.example.com"]',
    );
  }
  const allowedOrigins = (options.allowedOrigins ?? []).map((origin) => {
    const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : undefined;
    if (normalized === undefined) {
      throw new TokenAuthConfigError(
        `cookie.allowedOrigins: "${String(origin)}" is not an origin such as "https://app.example.com"`,
      );
    }
    return normalized;
  });
  const insecureHttp: InsecureHttp = allow === true ? 'any' : allow === false || production ? 'never' : 'loopback';
  return { sameSite: sameSite === 'strict' ? 'Strict' : 'Lax', csrfHeader, insecureHttp, allowedOrigins };
}
