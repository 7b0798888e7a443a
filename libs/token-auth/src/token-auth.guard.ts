import {
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
  type HttpException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { toHttpException } from './errors/token-auth-http.exception.js';
import { TokenAuthError } from './errors/token-auth.error.js';
import { ATTENUATED_MARK, ATTENUATED_MARK_INDEX } from './format/caveat-format.js';
import type { AuthenticatedUser } from './format/token-claims.js';
import { FRESH_LOGIN_KEY, IS_OPTIONAL_AUTH_KEY, IS_PUBLIC_KEY } from './decorators/route-metadata.js';
import { requestClaims } from './decorators/request-claims.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from './options/token-auth.options.js';
import { TokenService } from './token.service.js';
import { authorizationTokenOf } from './http/authorization-header.js';
import { requestOf } from './http/execution-context.js';
import type { HttpRequestLike, HttpResponseLike } from './http/http-message.js';
import { httpRequestFacts, type FactsRequestLike } from './http/request-facts.js';
import type { VerificationFacts } from './verification/attenuated-tokens.js';
import { setBearerChallenge } from './http/bearer-challenge.js';
import { TokenCookies } from './cookies/token-cookies.js';
import { SOCKET_FACTS, SOCKET_TOKEN, WS_CLOSE_UNAUTHORIZED } from './websocket/ws-token-auth.js';

const VERIFIED_REQUESTS = Symbol.for('nestjs-token-auth:verified-requests');

/**
 * GraphQL requests whose token was verified, so the guards of every field of one operation verify it once. Only
 * GraphQL: an HTTP route runs its guard once (a second guard stacked on it verifies again, from the verified-token
 * cache), and adding each HTTP request to a weak set cost more than that saves. A set beside the requests rather
 * than a mark on them: a property added to an Express request (whose prototype Express sets on every request)
 * costs V8 a new hidden class each time. Kept on `globalThis`, so the ESM and CommonJS builds of the package
 * share it when an app loads both.
 */
const verifiedRequests: WeakSet<object> = ((globalThis as { [VERIFIED_REQUESTS]?: WeakSet<object> })[
  VERIFIED_REQUESTS
] ??= new WeakSet());

/**
 * The request shape the guard reads: Express's request, Fastify's with its raw Node request, or for WebSockets
 * the socket authenticated by `WsTokenAuth`.
 */
export interface TokenAuthRequest extends HttpRequestLike {
  rawHeaders?: string[];
  raw?: HttpRequestLike['raw'] & { rawHeaders: string[]; method?: string; url?: string };
  originalUrl?: string;
  url?: string;
  user?: AuthenticatedUser;
  [SOCKET_TOKEN]?: string;
  [SOCKET_FACTS]?: VerificationFacts;
}

/** How a route is guarded, from its decorators. */
export interface RouteAccess {
  /** `@Public()`: no token is read. */
  readonly isPublic: boolean;
  /** `@OptionalAuth()`: a request without a token passes anonymously. */
  readonly isOptional: boolean;
  /**
   * `@RequireFreshLogin(seconds)`: the most seconds since the user's login (null: the module's `freshLoginMaxAge`);
   * undefined when any login will do.
   */
  readonly maxLoginAge?: number | null;
}

/**
 * Reads `Authorization: Bearer <token>` (or a scheme of `authorizationSchemes`, or in cookie mode the access
 * cookie), verifies it and sets `request.user`: the verified claims, or the app's own user when `resolveUser` is
 * set (or `resolveUser` is overridden), awaited once per request. Every bad token is a 401 with an RFC 6750 challenge and a stable `code`; the token is never
 * echoed. Works per controller or as `APP_GUARD` with `@Public()` and `@OptionalAuth()`, on HTTP routes, GraphQL
 * resolvers (verified once per request, however many fields are guarded) and WebSocket messages (the socket's
 * token is verified again on every message, so an expired or revoked one closes the socket). Subclasses may
 * override the protected hooks.
 */
@Injectable()
export class TokenAuthGuard implements CanActivate {
  private readonly routeAccess = new WeakMap<object, WeakMap<object, RouteAccess>>();

  /** A property, not a constructor parameter, so subclasses that call `super(tokens, reflector, cookies)` still do. */
  @Optional()
  @Inject(TOKEN_AUTH_OPTIONS)
  protected readonly options?: ResolvedTokenAuthOptions;

  constructor(
    protected readonly tokens: TokenService,
    protected readonly reflector: Reflector,
    @Optional() protected readonly cookies?: TokenCookies,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = this.accessOf(context);
    if (access.isPublic) return true;
    const request = this.getRequest(context);
    // Never a socket: it lives on after its token expires or is revoked, so every message is verified.
    const perOperation = context.getType<string>() === 'graphql';
    try {
      if (perOperation && verifiedRequests.has(request)) {
        if (access.maxLoginAge !== undefined) {
          this.assertFreshLogin(requestClaims.get(request) ?? request.user!, access.maxLoginAge);
        }
        return true;
      }
      const token = this.extractToken(request);
      if (token === undefined) {
        if (access.isOptional && access.maxLoginAge === undefined) return true;
        throw new TokenAuthError('token_missing', 'authentication required');
      }
      // An attenuated token's caveats are checked against what the request shows; a v1 token needs no facts.
      const facts =
        token.charCodeAt(ATTENUATED_MARK_INDEX) === ATTENUATED_MARK ? this.requestFacts(context, request) : undefined;
      const user = (request.user = this.tokens.verify(token, facts));
      if (user.caveats !== undefined && user.caveats.once.length > 0) {
        return this.spendOnce(context, request, user, access, perOperation);
      }
      if (access.maxLoginAge !== undefined) this.assertFreshLogin(user, access.maxLoginAge);
      return this.attachUser(context, request, user, perOperation);
    } catch (error) {
      if (error instanceof TokenAuthError) throw this.reject(context, error);
      throw error;
    }
  }

  /**
   * What an attenuated token's caveats are checked against. HTTP: the method and the target as received; GraphQL:
   * those of the HTTP request carrying the operation (`POST /graphql`: a caveat cannot tell a query from a mutation);
   * both spend one-time ids before the handler runs. WebSocket: the handshake's `GET` and path, kept on the socket by
   * `WsTokenAuth`, checked again on every message; one-time tokens are refused there (a socket is no single request).
   */
  protected requestFacts(context: ExecutionContext, request: TokenAuthRequest): VerificationFacts {
    if (context.getType() === 'ws') return request[SOCKET_FACTS] ?? {};
    return { ...httpRequestFacts(request as FactsRequestLike), spendsOnce: true };
  }

  /** Spends a one-time token's ids before the request goes on; refused as any bad token when it was used before. */
  private async spendOnce(
    context: ExecutionContext,
    request: TokenAuthRequest,
    user: AuthenticatedUser,
    access: RouteAccess,
    perOperation: boolean,
  ): Promise<boolean> {
    try {
      await this.tokens.spendOnce(user);
      if (access.maxLoginAge !== undefined) this.assertFreshLogin(user, access.maxLoginAge);
      return await this.attachUser(context, request, user, perOperation);
    } catch (error) {
      if (error instanceof TokenAuthError) throw this.reject(context, error);
      throw error;
    }
  }

  /**
   * The user `@CurrentUser()` gives for verified `claims`: `resolveUser(claims, request)` of the options, or the
   * claims themselves. Override it to load your user entity (it may return a promise); `undefined` or `null` refuses
   * the request with 401 `unknown_user`.
   */
  protected resolveUser(claims: AuthenticatedUser, request: TokenAuthRequest): unknown {
    const resolve = this.options?.resolveUser;
    return resolve === undefined ? claims : resolve(claims, request);
  }

  /**
   * Sets the resolved user as `request.user`, keeping the claims for `@CurrentUser('sub')` and later guards. A GraphQL
   * request is marked verified only then, so no field of it runs before its user is there.
   */
  private attachUser(
    context: ExecutionContext,
    request: TokenAuthRequest,
    claims: AuthenticatedUser,
    perOperation: boolean,
  ): boolean | Promise<boolean> {
    const resolved = this.resolveUser(claims, request);
    if (resolved === claims) {
      if (perOperation) verifiedRequests.add(request);
      return true;
    }
    const attach = (user: unknown): boolean => {
      if (user === undefined || user === null) {
        throw this.reject(context, new TokenAuthError('unknown_user', 'no user for this token'));
      }
      requestClaims.set(request, claims);
      request.user = user as AuthenticatedUser;
      if (perOperation) verifiedRequests.add(request);
      return true;
    };
    if (typeof (resolved as PromiseLike<unknown> | undefined)?.then !== 'function') return attach(resolved);
    return Promise.resolve(resolved).then(attach, (error: unknown) => {
      throw error instanceof TokenAuthError ? this.reject(context, error) : error;
    });
  }

  /**
   * `@Public()` and `@OptionalAuth()` of the route, read once per controller class and handler (a handler inherited
   * by another controller is read again for it): route metadata does not change after bootstrap.
   */
  protected accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.routeAccess.get(controller);
    if (byHandler === undefined) this.routeAccess.set(controller, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (access === undefined) {
      const targets = [handler, controller];
      access = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)),
        isOptional: Boolean(this.reflector.getAllAndOverride<boolean>(IS_OPTIONAL_AUTH_KEY, targets)),
        maxLoginAge: this.reflector.getAllAndOverride<number | null | undefined>(FRESH_LOGIN_KEY, targets),
      };
      byHandler.set(handler, access);
    }
    return access;
  }

  /** `@RequireFreshLogin()`: throws `insufficient_user_authentication` when the user's login is older than it allows. */
  protected assertFreshLogin(user: AuthenticatedUser, maxLoginAge: number | null): void {
    this.tokens.assertFreshLogin(user, maxLoginAge ?? undefined);
  }

  /** The HTTP request, the request of a GraphQL operation, or the WebSocket. */
  protected getRequest(context: ExecutionContext): TokenAuthRequest {
    return requestOf<TokenAuthRequest>(context);
  }

  /**
   * The token of the request, or undefined when none was sent: the bearer token, or in cookie mode the access
   * cookie, whose use on a state-changing request needs the CSRF header (403 otherwise). A token in both places
   * is refused as ambiguous rather than picking one. A socket gives the token it connected with.
   */
  protected extractToken(request: TokenAuthRequest): string | undefined {
    if (SOCKET_TOKEN in request) return request[SOCKET_TOKEN];
    const header = authorizationTokenOf(
      request.rawHeaders ?? request.raw?.rawHeaders ?? [],
      this.options?.authorizationSchemes,
    );
    const cookie = this.cookies?.read(request, 'access');
    if (cookie === undefined) return header;
    if (header !== undefined) {
      throw new TokenAuthError('token_ambiguous', 'token sent both in the Authorization header and a cookie');
    }
    this.cookies!.assertCsrf(request);
    return cookie;
  }

  /**
   * Builds the 401 and, over HTTP, sets its `WWW-Authenticate` challenge (RFC 6750 section 3). A stale key ring
   * (`key_ring_stale`) or an unreachable revocation store past its `maxStaleness` (`revocation_unavailable`) is
   * the server's fault, not the token's: 503, so clients retry instead of logging out.
   * A WebSocket is closed with code 4401 and the error's public code as reason (`unknown_key` is `invalid_signature`).
   */
  protected reject(context: ExecutionContext, error: TokenAuthError): HttpException {
    const exception = toHttpException(error);
    if (exception.getStatus() !== 401) return exception;
    if (context.getType() === 'ws') {
      context
        .switchToWs()
        .getClient<{ close?: (code: number, reason: string) => void }>()
        .close?.(WS_CLOSE_UNAUTHORIZED, error.publicCode);
    }
    if (context.getType() !== 'http') return exception;
    setBearerChallenge(
      context.switchToHttp().getResponse<HttpResponseLike>(),
      error,
      this.options?.authorizationSchemes.challenge,
    );
    return exception;
  }
}
