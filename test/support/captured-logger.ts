import type { LoggerService } from '@nestjs/common';

/** Keeps log lines (`<level> <message>`) for assertions instead of printing them. */
export class CapturedLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: string) {
    this.lines.push(`log ${message}`);
  }
  warn(message: string) {
    this.lines.push(`warn ${message}`);
  }
  error(message: string) {
    this.lines.push(`error ${message}`);
  }
}
