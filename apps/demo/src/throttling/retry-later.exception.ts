import { HttpException, HttpStatus } from '@nestjs/common';

/** Why a request was refused for now; stable, for clients and logs. */
export type RetryLaterCode = 'ip_rate_limited' | 'account_rate_limited' | 'hashing_overloaded';

const STATUS: Record<RetryLaterCode, HttpStatus.TOO_MANY_REQUESTS | HttpStatus.SERVICE_UNAVAILABLE> = {
  ip_rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  account_rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  hashing_overloaded: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * A refusal the client should retry later: 429 (a limit of this client or account) or 503 (the server is too busy
 * to serve it soon), with a stable `code` in the body and `Retry-After` in whole seconds, which `RetryAfterFilter`
 * sets (Nest's exceptions carry no headers).
 */
export class RetryLaterException extends HttpException {
  readonly retryAfterSeconds: number;

  constructor(
    readonly code: RetryLaterCode,
    message: string,
    retryAfterMs: number,
  ) {
    const status = STATUS[code];
    const error = status === HttpStatus.TOO_MANY_REQUESTS ? 'Too Many Requests' : 'Service Unavailable';
    super({ statusCode: status, error, code, message }, status);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
