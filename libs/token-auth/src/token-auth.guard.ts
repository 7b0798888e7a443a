import {
  HttpException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenAuthError } from './errors/token-auth.error.js';
import type { AuthenticatedUser } from './format/token-claims.js';
import { IS_OPTIONAL_AUTH_KEY, IS_PUBLIC_KEY } from './token-auth.constants.js';
import { TokenService } from './token.service.js';

/** The request shape the guard reads: Express's request, or Fastify's with its raw Node request. */
export interface TokenAuthRequest {
  rawHeaders?: string[];
  raw?: { rawHeaders: string[] };
  user?: AuthenticatedUser;
}

const BEARER = /^bearer +([^\s]+)$/i;

/**
 * Reads `Authorization: Bearer <token>`, verifies it and sets `request.user`. Every bad token is a 401 with an
 * RFC 6750 challenge and a stable `code`; the token is never echoed. Works per controller or as `APP_GUARD`
 * with `@Public()` and `@OptionalAuth()`. Subclasses may override the protected hooks.
 */
@Injectable()
export class TokenAuthGuard implements CanActivate {
  constructor(
    protected readonly tokens: TokenService,
    protected readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = this.getRequest(context);
    try {
      const token = this.extractToken(request);
      if (token === undefined) {
        if (this.reflector.getAllAndOverride<boolean>(IS_OPTIONAL_AUTH_KEY, targets)) return true;
        throw new TokenAuthError('token_missing', 'authentication required');
      }
      request.user = this.tokens.verify(token);
      return true;
    } catch (error) {
      if (error instanceof TokenAuthError) throw this.reject(context, error);
      throw error;
    }
  }

  protected getRequest(context: ExecutionContext): TokenAuthRequest {
    return context.switchToHttp().getRequest<TokenAuthRequest>();
  }

  /**
   * The bearer token, or undefined when no Authorization header was sent. Raw headers are read because Node keeps
   * only the first of repeated Authorization headers, and a request carrying two must not pass on either.
   */
  protected extractToken(request: TokenAuthRequest): string | undefined {
    const raw = request.rawHeaders ?? request.raw?.rawHeaders ?? [];
    let value: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 13 && name.toLowerCase() === 'authorization') {
        if (value !== undefined) throw new TokenAuthError('token_malformed', 'more than one Authorization header');
        value = raw[i + 1]!;
      }
    }
    if (value === undefined) return undefined;
    const match = BEARER.exec(value);
    if (match === null) throw new TokenAuthError('token_malformed', 'expected Authorization: Bearer <token>');
    return match[1];
  }

  /**
   * Builds the 401 and sets its `WWW-Authenticate` challenge (RFC 6750 section 3). A stale key ring
   * (`key_ring_stale`) is the server's fault, not the token's: 503, so clients retry instead of logging out.
   */
  protected reject(context: ExecutionContext, error: TokenAuthError): HttpException {
    if (error.code === 'key_ring_stale') {
      return new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', code: error.code, message: error.message });
    }
    const challenge =
      error.code === 'token_missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${error.message}"`;
    const response = context.switchToHttp().getResponse<{
      header?: (name: string, value: string) => unknown;
      setHeader?: (name: string, value: string) => unknown;
    }>();
    if (typeof response.header === 'function') response.header('WWW-Authenticate', challenge);
    else response.setHeader?.('WWW-Authenticate', challenge);
    return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', code: error.code, message: error.message });
  }
}
