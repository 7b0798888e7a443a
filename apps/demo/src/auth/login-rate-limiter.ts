import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';

const WINDOW_MS = 60_000;

interface Window {
  attempts: number;
  resetAt: number;
}

/**
 * Counts login attempts per client in fixed one-minute windows (the algorithm of @nestjs/throttler's default
 * storage). In memory: each instance counts its own clients.
 */
@Injectable()
export class LoginRateLimiter implements OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;
  // Forgets finished windows, so memory follows the clients of the last minute only.
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), WINDOW_MS).unref();

  constructor(@Inject(DEMO_CONFIG) config: DemoConfig) {
    this.limit = config.loginRateLimit;
  }

  /** Records one attempt by `client`. Returns 0 when it may proceed, or the seconds it must wait. */
  hit(client: string, now = Date.now()): number {
    let window = this.windows.get(client);
    if (window === undefined || window.resetAt <= now) {
      window = { attempts: 0, resetAt: now + WINDOW_MS };
      this.windows.set(client, window);
    }
    window.attempts++;
    return window.attempts > this.limit ? Math.ceil((window.resetAt - now) / 1000) : 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [client, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(client);
    }
  }
}
