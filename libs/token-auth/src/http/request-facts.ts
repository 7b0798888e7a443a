import type { RequestFacts } from '../format/request-path.js';

/** What an HTTP request shows a caveat: Express's, Fastify's (with its raw Node request) or a bare Node one. */
export interface FactsRequestLike {
  method?: string;
  /** Express: the target as received, before routers rewrite `url`. */
  originalUrl?: string;
  url?: string;
  raw?: { method?: string; url?: string };
}

/**
 * The method and the request target as received, which an attenuated token's caveats are checked against
 * (docs/token-format.md, section 9.3): Express's `originalUrl` (its `url` is rewritten by mounted routers), Fastify's
 * raw URL, a Node request's `url`. GraphQL operations are checked on the HTTP request that carries them.
 */
export function httpRequestFacts(request: FactsRequestLike): RequestFacts {
  return {
    method: request.raw?.method ?? request.method,
    path: request.originalUrl ?? request.raw?.url ?? request.url,
  };
}
