import type { LoggerService } from '@nestjs/common';
import type { KeyRing } from '../keys/key-ring.js';

/** At most one line this often: a flood of forged tokens must not become a flood of log lines. */
export const KEY_REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Why tokens were refused for their key, which callers are not told (they are answered `invalid_signature`, as a
 * bad signature is): logged at debug level, at most one line a minute, giving the latest refusal's reason and how
 * many tokens were refused for their key since the last line. A line names the key id the token named and the times
 * compared, never the token.
 */
export class KeyRefusalLog {
  private refusals = 0;
  private nextLineAt = -Infinity;

  constructor(
    private readonly logger: LoggerService,
    private readonly clock: () => number,
  ) {}

  /** A token naming key `kid`, issued at `issuedAt`, was refused at `now` because `ring` does not accept that key. */
  refused(ring: KeyRing, kid: string, issuedAt: number, now: number, toleranceMs: number): void {
    this.refusals++;
    const at = this.clock();
    if (at < this.nextLineAt) return;
    this.nextLineAt = at + KEY_REFUSAL_LOG_INTERVAL_MS;
    const count = this.refusals;
    this.refusals = 0;
    this.logger.debug?.(
      `${count === 1 ? '1 token refused for the key it names' : `${count} tokens refused for the keys they name`} ` +
        `since the last such line, answered invalid_signature; the latest ${reasonOf(ring, kid, issuedAt, now, toleranceMs)}`,
    );
  }
}

/** What `KeyRing.keyFor` refused, in words. */
function reasonOf(ring: KeyRing, kid: string, issuedAt: number, now: number, toleranceMs: number): string {
  const key = ring.get(kid);
  if (key === undefined) return `named key "${kid}", which is not in the ring`;
  if (key.retireAfter !== undefined && now >= key.retireAfter.getTime()) {
    return `named key "${kid}", retired since ${key.retireAfter.toISOString()} (its retireAfter)`;
  }
  const signedUntil = key.signedUntil?.toISOString() ?? 'none';
  return (
    `named key "${kid}" with an issue time of ${new Date(issuedAt).toISOString()}, later than the key's ` +
    `signedUntil (${signedUntil}) plus the clock tolerance (${toleranceMs} ms)`
  );
}
