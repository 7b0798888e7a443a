import { forwardedHttps, headersOf, isPlainHttp, type HttpRequestLike } from './http-message.js';

/**
 * The origin (scheme, host, port) a request was addressed to: https when the socket has TLS or a proxy says so
 * (`X-Forwarded-Proto`), and the Host header. Undefined without a usable Host.
 */
export function requestOrigin(request: HttpRequestLike): string | undefined {
  const host = headersOf(request).host;
  if (host === undefined) return undefined;
  const scheme = !isPlainHttp(request) || forwardedHttps(request) ? 'https' : 'http';
  return normalizeOrigin(`${scheme}://${host}`);
}

/** `scheme://host[:port]` as browsers send it in `Origin` (lower case, default port left out), or undefined. */
export function normalizeOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return bare && (url.protocol === 'https:' || url.protocol === 'http:') ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
