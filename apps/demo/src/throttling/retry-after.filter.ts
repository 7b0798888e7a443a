import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HashingQueueFullError } from '../users/hashing-queue.js';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * Answers a `RetryLaterException` with its status, body and `Retry-After`; a full hashing queue is the 503
 * `hashing_overloaded`. On Express and Fastify alike, through Nest's HTTP adapter.
 */
@Catch(RetryLaterException, HashingQueueFullError)
export class RetryAfterFilter implements ExceptionFilter<RetryLaterException | HashingQueueFullError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: RetryLaterException | HashingQueueFullError, host: ArgumentsHost): void {
    const exception =
      error instanceof HashingQueueFullError
        ? new RetryLaterException(
            'hashing_overloaded',
            'the server is too busy to check a password now; retry later',
            error.retryAfterMs,
          )
        : error;
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    adapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    adapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
