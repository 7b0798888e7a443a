import { afterEach, describe, expect, it } from '@jest/globals';
import type { DemoConfig } from '../config/demo-config.js';
import { LoginRateLimiter } from './login-rate-limiter.js';

describe('LoginRateLimiter', () => {
  let limiter: LoginRateLimiter;
  const withLimit = (loginRateLimit: number) => (limiter = new LoginRateLimiter({ loginRateLimit } as DemoConfig));
  afterEach(() => limiter.onModuleDestroy());

  it('lets a client make its limit of attempts in a minute, then says how many seconds to wait', () => {
    withLimit(3);
    const start = 1_000_000;
    expect([limiter.hit('a', start), limiter.hit('a', start + 1), limiter.hit('a', start + 2)]).toEqual([0, 0, 0]);
    expect(limiter.hit('a', start + 20_000)).toBe(40);
    expect(limiter.hit('a', start + 59_999)).toBe(1);
  });

  it('counts each client apart', () => {
    withLimit(1);
    expect(limiter.hit('a', 0)).toBe(0);
    expect(limiter.hit('b', 0)).toBe(0);
    expect(limiter.hit('a', 0)).toBeGreaterThan(0);
  });

  it('opens a fresh window once the minute is over', () => {
    withLimit(1);
    limiter.hit('a', 0);
    expect(limiter.hit('a', 1)).toBeGreaterThan(0);
    expect(limiter.hit('a', 60_000)).toBe(0);
    expect(limiter.hit('a', 60_001)).toBeGreaterThan(0);
  });
});
