import type { HttpRequestLike, SessionDevice } from 'nestjs-token-auth';

/**
 * What the demo records of the device signing in: its `User-Agent` and its address (`request.ip`, which Express and
 * Fastify take from `X-Forwarded-For` only behind a proxy they are told to trust). The library cleans, caps and
 * truncates both (its `sessionIp` option); here the header's bytes are read as the UTF-8 they are meant to be (Node
 * hands header values over as Latin-1), so that invalid UTF-8 becomes U+FFFD rather than stray Latin-1 letters.
 */
export function deviceOf(request: HttpRequestLike & { ip?: string }): SessionDevice {
  const header = (request.headers ?? request.raw?.headers ?? {})['user-agent'];
  const userAgent = typeof header === 'string' ? Buffer.from(header, 'latin1').toString('utf8') : undefined;
  return {
    ...(userAgent !== undefined && { userAgent }),
    ...(typeof request.ip === 'string' && request.ip !== '' && { ip: request.ip }),
  };
}
