import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';

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
   * Over plain http, drop the `__Host-` prefix and the `Secure` flag (with a warning), so a development server on
   * `http://localhost` works. Default: on unless `NODE_ENV` is `production`, where it is refused.
   */
  allowInsecureHttp?: boolean;
}

export interface ResolvedCookieOptions {
  sameSite: 'Strict' | 'Lax';
  /** Lower case, as Node stores header names. */
  csrfHeader: string;
  allowInsecureHttp: boolean;
}

const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
// A cross-origin page may send these without a CORS preflight, so they prove nothing about the caller.
const UNUSABLE_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'authorization', 'cookie']);

export function resolveCookieOptions(options: TokenAuthCookieOptions | undefined): ResolvedCookieOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TokenAuthConfigError('cookie must be an object such as { sameSite: "strict" }, or left out');
  }
  const sameSite = options.sameSite ?? 'strict';
  if (sameSite !== 'strict' && sameSite !== 'lax') {
    throw new TokenAuthConfigError(`cookie.sameSite must be "strict" or "lax", got ${String(sameSite)}`);
  }
  const csrfHeader = (options.csrfHeader ?? 'x-csrf-protection').toLowerCase();
  if (!HEADER_NAME.test(csrfHeader) || UNUSABLE_HEADERS.has(csrfHeader)) {
    throw new TokenAuthConfigError(
      `cookie.csrfHeader must be a custom header name such as "x-csrf-protection", got ${String(options.csrfHeader)}`,
    );
  }
  const production = process.env.NODE_ENV === 'production';
  const allowInsecureHttp = options.allowInsecureHttp ?? !production;
  if (allowInsecureHttp && production) {
    throw new TokenAuthConfigError(
      'cookie.allowInsecureHttp is refused when NODE_ENV=production: serve over https (or behind a TLS proxy with trust proxy set)',
    );
  }
  return { sameSite: sameSite === 'strict' ? 'Strict' : 'Lax', csrfHeader, allowInsecureHttp };
}
