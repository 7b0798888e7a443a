import type { IncomingHttpHeaders } from 'node:http';

/** What the transport reads from a request: Express's, Fastify's (with its raw Node request) or a bare Node one. */
export interface HttpRequestLike {
  method?: string;
  headers?: IncomingHttpHeaders;
  /** Express and Fastify: `'https'` when the request came over TLS (or a trusted proxy says so). */
  protocol?: string;
  socket?: object & { encrypted?: boolean };
  raw?: { headers: IncomingHttpHeaders; socket?: object & { encrypted?: boolean } };
}

/** What the transport writes to: Express's response, Fastify's reply or a bare Node `ServerResponse`. */
export interface HttpResponseLike {
  append?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
  getHeader?: (name: string) => number | string | string[] | undefined;
  setHeader?: (name: string, value: string | string[]) => unknown;
  raw?: unknown;
}

export function headersOf(request: HttpRequestLike): IncomingHttpHeaders {
  return request.headers ?? request.raw?.headers ?? {};
}

/** True when the app saw plain http: no TLS on its socket, and no trusted proxy reporting https (`trust proxy`). */
export function isPlainHttp(request: HttpRequestLike): boolean {
  if (request.protocol !== undefined) return request.protocol === 'http';
  return !(request.socket ?? request.raw?.socket)?.encrypted;
}

/** True when `X-Forwarded-Proto` (its first, client-side entry) says https, trusted or not. */
export function forwardedHttps(request: HttpRequestLike): boolean {
  const value = headersOf(request)['x-forwarded-proto'];
  const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

const LOOPBACK_HOST = /^(?:localhost|[^.]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** The Host header, when it names a loopback host: the browser is on this machine. */
export function isLoopbackHost(request: HttpRequestLike): boolean {
  const host = headersOf(request).host;
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/** Adds a `Set-Cookie` line without replacing the ones already set (Express, Fastify, Node). */
export function appendSetCookie(response: HttpResponseLike, value: string): void {
  if (typeof response.append === 'function') {
    response.append('Set-Cookie', value);
  } else if (response.raw !== undefined && typeof response.header === 'function') {
    response.header('set-cookie', value); // Fastify keeps every set-cookie value
  } else if (typeof response.setHeader === 'function') {
    const previous = response.getHeader?.('set-cookie');
    const lines = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
    response.setHeader('Set-Cookie', [...lines, value]);
  } else {
    throw new TypeError('cannot set a cookie on this response: expected an Express, Fastify or Node response');
  }
}
