import { Catch, Inject, Optional, type ArgumentsHost, type ExceptionFilter, type HttpException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { toHttpException } from '../errors/token-auth-http.exception.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { setBearerChallenge } from './bearer-challenge.js';
import type { HttpResponseLike } from './http-message.js';

/** The calls the fallback writer makes: Fastify's reply, Express's response or a bare Node `ServerResponse`. */
interface WritableResponse extends HttpResponseLike {
  code?: (status: number) => { send(body: unknown): unknown };
  status?: (status: number) => { json(body: unknown): unknown };
  statusCode?: number;
  headersSent?: boolean;
  end?: (chunk?: string) => unknown;
  raw?: { headersSent?: boolean; end?: () => unknown };
}

/** `TOKEN_AUTH_OPTIONS`, by its `Symbol.for` key: the options sit in a folder above this one. */
const MODULE_OPTIONS = Symbol.for('nestjs-token-auth:options');

/**
 * Answers a `TokenAuthError` thrown by a route, service or pipe the way the guard answers a bad token: 401 with
 * the stable `code` and the RFC 6750 `WWW-Authenticate` challenge, or 503 for `key_ring_stale` and
 * `revocation_unavailable`. Register it once: `app.useGlobalFilters(new TokenAuthExceptionFilter())`,
 * `{ provide: APP_FILTER, useClass: TokenAuthExceptionFilter }`, or `@UseFilters(TokenAuthExceptionFilter)` on a
 * controller. Express and Fastify; in GraphQL the error becomes the field's error, as a thrown HttpException would.
 */
@Catch(TokenAuthError)
export class TokenAuthExceptionFilter implements ExceptionFilter<TokenAuthError> {
  // Injected under APP_FILTER and @UseFilters(Class); `new TokenAuthExceptionFilter()` writes the response itself.
  // The challenge names the first of the module's `authorizationSchemes` (`Bearer` when the filter is made by hand).
  constructor(
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional()
    @Inject(MODULE_OPTIONS)
    private readonly options?: { authorizationSchemes?: { challenge: string } },
  ) {}

  catch(error: TokenAuthError, host: ArgumentsHost): HttpException | undefined {
    const exception = toHttpException(error);
    if (host.getType() !== 'http') return exception;
    const response = host.switchToHttp().getResponse<WritableResponse>();
    const adapter = this.adapterHost?.httpAdapter;
    // A response already under way (a stream that failed) can only be ended, as Nest's own filter does.
    if (adapter !== undefined ? adapter.isHeadersSent(response) : (response.raw ?? response).headersSent) {
      if (adapter !== undefined) adapter.end(response);
      else (response.raw ?? response).end?.();
      return undefined;
    }
    const status = exception.getStatus();
    if (status === 401) setBearerChallenge(response, error, this.options?.authorizationSchemes?.challenge);
    if (adapter !== undefined) adapter.reply(response, exception.getResponse(), status);
    else write(response, status, exception.getResponse());
    return undefined;
  }
}

/** What Nest's Express and Fastify adapters do in `reply`: JSON with the status. */
function write(response: WritableResponse, status: number, body: unknown): void {
  if (typeof response.code === 'function') {
    response.code(status).send(body); // Fastify
  } else if (typeof response.status === 'function') {
    response.status(status).json(body); // Express
  } else {
    response.statusCode = status;
    response.setHeader?.('Content-Type', 'application/json; charset=utf-8');
    response.end?.(JSON.stringify(body));
  }
}
