import { afterEach, describe, expect, it } from '@jest/globals';
import type { DemoConfig } from '../config/demo-config.js';
import { AccountLoginLimiter } from './account-login-limiter.js';
import { MemoryAttemptCounter } from './attempt-counter.js';
import { RetryLaterException } from './retry-later.exception.js';

describe('AccountLoginLimiter (memory counts)', () => {
  let now = 1_000_000;
  let counter: MemoryAttemptCounter;
  const limiter = (accountLoginLimit: number) => {
    counter = new MemoryAttemptCounter(() => now);
    return new AccountLoginLimiter({ accountLoginLimit, accountLoginWindow: 60 } as DemoConfig, counter);
  };
  afterEach(() => counter.close());

  const wrong = async () => false;
  const right = async () => true;
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ran',
      (error: unknown) =>
        error instanceof RetryLaterException ? `${error.getStatus()} ${error.code} ${error.retryAfterSeconds}` : error,
    );

  it('refuses the account past its failed attempts of the window, the right password too, saying when to retry', async () => {
    const limits = limiter(3);
    for (let i = 0; i < 3; i++) expect(await limits.check('alice', wrong)).toBe(false);
    now += 20_000;
    let checked = false;
    const checking = async () => (checked = true);
    expect(await refusal(limits.check('alice', checking))).toBe('429 account_rate_limited 40');
    expect(checked).toBe(false);
    now += 40_000; // the window is over
    expect(await limits.check('alice', right)).toBe(true);
  });

  it('does not count a login that succeeded, or a check that threw', async () => {
    const limits = limiter(2);
    for (let i = 0; i < 5; i++) expect(await limits.check('bob', right)).toBe(true);
    await expect(
      limits.check('bob', async () => {
        throw new Error('hashing queue full');
      }),
    ).rejects.toThrow('hashing queue full');
    expect(await limits.check('bob', wrong)).toBe(false);
    expect(await limits.check('bob', wrong)).toBe(false);
    expect(await refusal(limits.check('bob', right))).toMatch(/^429 account_rate_limited/);
  });

  it('counts concurrent checks before they finish: a burst cannot all run before the first failure', async () => {
    const limits = limiter(2);
    const releases: (() => void)[] = [];
    const slow = () => new Promise<boolean>((resolve) => releases.push(() => resolve(false)));
    const first = limits.check('carol', slow);
    await Promise.resolve();
    const second = limits.check('carol', slow);
    await Promise.resolve();
    expect(await refusal(limits.check('carol', right))).toMatch(/^429/);
    for (const release of releases) release();
    expect(await Promise.all([first, second])).toEqual([false, false]);
  });

  it('counts names case-insensitively, as they are stored, and names of no account alike', async () => {
    const limits = limiter(1);
    await limits.check('Dave', wrong);
    expect(await refusal(limits.check('DAVE', right))).toMatch(/^429/);
    await limits.check('no-such-user', wrong);
    expect(await refusal(limits.check('no-such-user', wrong))).toMatch(/^429/);
    expect(await limits.check('erin', right)).toBe(true);
  });
});
