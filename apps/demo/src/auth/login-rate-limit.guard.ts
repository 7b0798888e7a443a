import { HttpException, HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { LoginRateLimiter } from './login-rate-limiter.js';

/**
 * Answers 429 with `Retry-After` once a client IP has used its `LOGIN_RATE_LIMIT` login attempts of the minute.
 * Behind a reverse proxy, make the adapter trust it so that the IP is the client's and not the proxy's.
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: LoginRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const wait = this.limiter.hit(http.getRequest<{ ip?: string }>().ip ?? 'unknown');
    if (wait === 0) return true;
    // Express and Fastify both answer `header(name, value)`.
    http.getResponse<{ header(name: string, value: string): unknown }>().header('Retry-After', String(wait));
    throw new HttpException('too many login attempts, try again later', HttpStatus.TOO_MANY_REQUESTS);
  }
}
