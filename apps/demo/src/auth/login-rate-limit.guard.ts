import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RetryLaterException } from '../throttling/retry-later.exception.js';
import { LoginRateLimiter } from './login-rate-limiter.js';

/**
 * Answers 429 `ip_rate_limited` with `Retry-After` (set by `RetryAfterFilter`) once a client IP has used its
 * `LOGIN_RATE_LIMIT` login attempts of the minute. Behind a reverse proxy, make the adapter trust it so that the
 * IP is the client's and not the proxy's.
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: LoginRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const wait = this.limiter.hit(context.switchToHttp().getRequest<{ ip?: string }>().ip ?? 'unknown');
    if (wait === 0) return true;
    throw new RetryLaterException('ip_rate_limited', 'too many login attempts, try again later', wait * 1000);
  }
}
