import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { FailureLog } from './failure-log.js';

describe('FailureLog', () => {
  const capture = () => {
    const lines: string[] = [];
    const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: (m: string) => lines.push(m) };
    return { lines, log: new FailureLog(logger) };
  };

  it('logs each cause once and counts every failure', () => {
    const { lines, log } = capture();
    for (let i = 0; i < 100; i++) log.report('metrics', new Error('boom'));
    log.report('metrics', new TypeError('other'));
    log.report('subscriber', new Error('boom'));
    expect(lines).toHaveLength(3);
    expect(log.failures).toBe(102);
  });

  it('remembers a bounded number of causes: endless new messages write one more line, then nothing', () => {
    const { lines, log } = capture();
    for (let i = 0; i < 10_000; i++) log.report('subscriber', new Error(`failure ${i}`));
    expect(lines).toHaveLength(101);
    expect(lines.at(-1)).toContain('no longer logging');
    expect(log.failures).toBe(10_000);
  });

  it('redacts key-like text in the message, as every log line of the library does', () => {
    const { lines, log } = capture();
    log.report('subscriber', new Error('leaked nta1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1b'));
    expect(lines[0]).toContain('[redacted]');
  });
});
