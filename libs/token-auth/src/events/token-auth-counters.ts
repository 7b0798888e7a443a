import { TokenAuthError } from '../errors/token-auth.error.js';
import type { RevocationKind } from './security-event.js';

/**
 * What a refresh ended in: `rotated` (a new pair), `replayed` (the same pair again, within the replay window),
 * `reused` (a spent token after its successor was used: the session is revoked), or the code it was refused with.
 */
export type RefreshOutcome = 'rotated' | 'replayed' | 'reused' | TokenAuthError['code'] | 'error';

/** Where the durations go once an app's meter provider gives them somewhere to go (histograms). */
export interface DurationRecorder {
  refresh(seconds: number, outcome: RefreshOutcome): void;
  revocation(seconds: number, kind: RevocationKind, persisted: boolean): void;
}

/** A copy of the counters, for an app's own reporting and for tests. */
export interface TokenAuthCountersSnapshot {
  /** Access-token verifications (`TokenService.verify`, the guard, sockets) by outcome: `ok` or the refusal code. */
  verifications: Record<string, number>;
  /** Verifications answered from the verified-token cache (no decoding, no HMAC). */
  cacheHits: number;
  /** Refreshes by outcome. */
  refreshes: Record<string, number>;
  /** Revocations by kind (`token`, `session`, `user`). */
  revocations: Record<string, number>;
}

/** Increments one entry of a map of counts. */
function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Counters in process memory: the hot path only increments a number, whether or not anything reads them. Metrics
 * (observable instruments) read them when the app's meter provider collects; refused tokens are counted here by
 * code, never streamed as events. Counts only grow; a refusal code not known today is counted all the same.
 */
export class TokenAuthCounters {
  /** Access tokens verified. */
  verified = 0;
  cacheHits = 0;
  /** Refusals by code; anything else thrown is `error`. */
  readonly refusals = new Map<string, number>();
  readonly refreshes = new Map<string, number>();
  readonly revocations = new Map<string, number>();
  /** Set by the metrics when the app has a meter provider. */
  durations?: DurationRecorder;

  /** A verification that threw `error`. */
  refused(error: unknown): void {
    increment(this.refusals, error instanceof TokenAuthError ? error.code : 'error');
  }

  refresh(outcome: RefreshOutcome, seconds: number): void {
    increment(this.refreshes, outcome);
    this.durations?.refresh(seconds, outcome);
  }

  revocation(kind: RevocationKind, persisted: boolean, seconds: number): void {
    increment(this.revocations, kind);
    this.durations?.revocation(seconds, kind, persisted);
  }

  snapshot(): TokenAuthCountersSnapshot {
    return {
      verifications: { ok: this.verified, ...Object.fromEntries(this.refusals) },
      cacheHits: this.cacheHits,
      refreshes: Object.fromEntries(this.refreshes),
      revocations: Object.fromEntries(this.revocations),
    };
  }
}

/** The outcome a refresh that threw reports. */
export function refreshOutcomeOf(error: unknown): RefreshOutcome {
  return error instanceof TokenAuthError ? error.code : 'error';
}
