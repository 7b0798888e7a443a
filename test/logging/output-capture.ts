import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';

/** A LoggerService that keeps every message, context and stack it is given, as text. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(...args: unknown[]): void {
    this.keep('log', args);
  }
  error(...args: unknown[]): void {
    this.keep('error', args);
  }
  warn(...args: unknown[]): void {
    this.keep('warn', args);
  }
  debug(...args: unknown[]): void {
    this.keep('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.keep('verbose', args);
  }
  fatal(...args: unknown[]): void {
    this.keep('fatal', args);
  }

  private keep(level: string, args: unknown[]): void {
    this.lines.push(
      `${level} ${args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 8 }))).join(' ')}`,
    );
  }
}

/** Captures the logger's lines and every write to stdout and stderr until `stop()`. */
export function captureOutput(): { logger: CapturingLogger; text: () => string; stop: () => void } {
  const logger = new CapturingLogger();
  const written: string[] = [];
  const keep = (chunk: unknown): boolean => {
    written.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(keep as never);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(keep as never);
  return {
    logger,
    text: () => [...logger.lines, ...written].join('\n'),
    stop: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** Every text form a secret could take in a log: raw bytes read as latin1 or UTF-8, hex, base64 and base64url. */
export function secretForms(bytes: Buffer): string[] {
  const base64 = bytes.toString('base64');
  return [
    bytes.toString('latin1'),
    bytes.toString('utf8'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
}

/** 43 characters of base64url are 32 bytes: no log line has a reason to carry such a run. */
export const LONG_BASE64URL_RUN = /[A-Za-z0-9_-]{43,}/;

/** Throws naming which secret leaked, never printing it. */
export function expectNoSecrets(output: string, secrets: ReadonlyMap<string, readonly string[]>): void {
  for (const [name, forms] of secrets) {
    for (const [index, form] of forms.entries()) {
      if (output.includes(form)) throw new Error(`the output contains ${name} (form #${index})`);
    }
  }
  const run = LONG_BASE64URL_RUN.exec(output);
  if (run) throw new Error(`the output contains a ${run[0].length}-character base64url run at ${run.index}`);
}
