import { describe, expect, it } from '@jest/globals';
import { withoutStackTrace } from './without-stack-trace.js';

describe('withoutStackTrace', () => {
  it('makes errors without stack frames and restores Error.stackTraceLimit, even when the maker throws', () => {
    const limit = Error.stackTraceLimit;
    expect(withoutStackTrace(() => new RangeError('out of range')).stack).toBe('RangeError: out of range');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(() =>
      withoutStackTrace(() => {
        throw new Error('maker failed');
      }),
    ).toThrow('maker failed');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
