import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';
import { ATTEMPT_COUNTER, type AttemptCounter } from './attempt-counter.js';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * Failed logins per account name: `ACCOUNT_LOGIN_LIMIT` in `ACCOUNT_LOGIN_WINDOW` seconds, whatever addresses they
 * come from, counted in Redis when `REDIS_URL` is set (so every instance shares the counts), in memory otherwise.
 *
 * Each password check is counted before it runs and given back if it succeeds (or never ran): concurrent guesses
 * cannot all slip in before the first failure is counted. Past the limit the answer is 429 `account_rate_limited`
 * with `Retry-After`, the right password included, so the answer tells nothing about the guess. Names that belong
 * to no account are counted and refused the same way, so the limit does not reveal which names exist.
 */
@Injectable()
export class AccountLoginLimiter implements OnApplicationShutdown {
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    @Inject(DEMO_CONFIG) config: DemoConfig,
    @Inject(ATTEMPT_COUNTER) private readonly counter: AttemptCounter,
  ) {
    this.limit = config.accountLoginLimit;
    this.windowMs = config.accountLoginWindow * 1000;
  }

  /**
   * Runs `check` (one password check for `username`) unless the name has used its failed attempts of the window;
   * a false answer counts as a failure.
   */
  async check(username: string, check: () => Promise<boolean>): Promise<boolean> {
    // Names compare case-insensitively (ASCII only, as SQLite's NOCASE and the DTO's pattern).
    const attempt = await this.counter.add(username.toLowerCase(), this.windowMs);
    if (attempt.count > this.limit) {
      throw new RetryLaterException(
        'account_rate_limited',
        'too many failed logins for this account; try again later',
        attempt.resetInMs,
      );
    }
    let failed = false;
    try {
      failed = !(await check());
      return !failed;
    } finally {
      if (!failed) await attempt.undo();
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.counter.close();
  }
}
