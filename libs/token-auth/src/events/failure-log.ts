import type { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error.js';

/** Causes remembered; past this many distinct ones, further new causes are counted but no longer logged. */
const MAX_CAUSES = 100;

/**
 * Logs a failure of something the app plugged in (an event subscriber, a meter provider) once per cause: the place
 * and the error's class and message. A subscriber that throws on every event must not write a line per event, and
 * must not grow memory either: at most MAX_CAUSES causes are remembered.
 */
export class FailureLog {
  private readonly seen = new Set<string>();
  private unlogged = 0;

  constructor(private readonly logger: LoggerService) {}

  /** Every failure reported, logged or not. */
  failures = 0;

  report(where: string, error: unknown): void {
    this.failures++;
    const description = describeError(error);
    const cause = `${where}: ${description}`;
    if (this.seen.has(cause)) return;
    if (this.seen.size >= MAX_CAUSES) {
      if (this.unlogged++ === 0) {
        this.logger.error(`${where}: more than ${MAX_CAUSES} distinct failures; no longer logging new ones`);
      }
      return;
    }
    this.seen.add(cause);
    this.logger.error(`${cause} (logged once; later failures of this cause are counted, not logged)`);
  }
}
