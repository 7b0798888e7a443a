import { Inject, Injectable, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { TokenAuthError } from '../errors/token-auth.error.js';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { TokenCookies } from '../cookies/token-cookies.js';
import { authorizationTokenOf } from '../http/authorization-header.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import type { VerificationFacts } from '../verification/attenuated-tokens.js';
import { TokenVerifier } from '../verification/token-verifier.js';

/** Where a socket keeps the token it connected with; the guard verifies it again on every message. */
export const SOCKET_TOKEN = Symbol.for('nestjs-token-auth:socket-token');

/**
 * What an attenuated token's caveats are checked against on a socket: the handshake's method and path, kept from
 * `connect` for the guard, which verifies the token again on every message.
 */
export const SOCKET_FACTS = Symbol.for('nestjs-token-auth:socket-facts');

/** Close code sent when a socket's token is missing, bad, expired or revoked (4000-4999 are for applications). */
export const WS_CLOSE_UNAUTHORIZED = 4401;

/** The socket shape used: `ws`'s WebSocket, or any client with `close(code, reason)`. */
export interface AuthenticatedSocket {
  close(code?: number, reason?: string): void;
  user?: AuthenticatedUser;
  [SOCKET_TOKEN]?: string;
  [SOCKET_FACTS]?: VerificationFacts;
}

/**
 * Authenticates a WebSocket at its handshake. Call it from a gateway's `handleConnection(client, request)`:
 * it reads `Authorization: Bearer` (or a scheme of `authorizationSchemes`) from the upgrade request, or in cookie
 * mode the access cookie, attaches the user to the socket and returns it; a missing or bad token closes the socket with 4401 and the error's public code as
 * reason.
 * Cookies are accepted only from a same-origin page (`Origin` equals the handshake's scheme, host and port) or
 * one of `cookie.allowedOrigins`, since a browser attaches them to cross-site WebSocket handshakes and no CSRF
 * header can be sent there.
 */
@Injectable()
export class WsTokenAuth {
  constructor(
    private readonly tokens: TokenVerifier,
    @Optional() private readonly cookies?: TokenCookies,
    @Optional() @Inject(TOKEN_AUTH_OPTIONS) private readonly options?: ResolvedTokenAuthOptions,
  ) {}

  connect(client: AuthenticatedSocket, request: IncomingMessage): AuthenticatedUser | undefined {
    try {
      const token = this.tokenOf(request);
      if (token === undefined) throw new TokenAuthError('token_missing', 'authentication required');
      // The handshake's method and path, for an attenuated token's caveats; one-time tokens are refused (no
      // `spendsOnce`): a socket is no single request to spend them on.
      const facts: VerificationFacts = { method: request.method, path: request.url };
      const user = this.tokens.verify(token, facts);
      client[SOCKET_TOKEN] = token;
      if (user.caveats !== undefined) client[SOCKET_FACTS] = facts;
      client.user = user;
      return user;
    } catch (error) {
      if (!(error instanceof TokenAuthError)) throw error;
      client.close(WS_CLOSE_UNAUTHORIZED, error.publicCode);
      return undefined;
    }
  }

  private tokenOf(request: IncomingMessage): string | undefined {
    const header = authorizationTokenOf(request.rawHeaders, this.options?.authorizationSchemes);
    const cookie = this.cookies?.read(request, 'access');
    if (header !== undefined && cookie !== undefined) {
      throw new TokenAuthError('token_ambiguous', 'token sent both in the Authorization header and a cookie');
    }
    if (cookie !== undefined && !this.cookies!.acceptsOrigin(request)) {
      throw new TokenAuthError('token_missing', 'cookie authentication needs a same-origin WebSocket handshake');
    }
    return header ?? cookie;
  }
}
