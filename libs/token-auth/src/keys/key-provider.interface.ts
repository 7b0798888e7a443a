import type { KeySpec } from './key-ring.js';

/**
 * Where the key ring comes from. The module calls `load` once at bootstrap (a throw stops the app), then again
 * every `refreshInterval` seconds and whenever `watch` reports a change. Each result is validated before it
 * replaces the ring in use; a failed or invalid load keeps the last good ring.
 */
export interface KeyProvider {
  /** Names the source in logs and errors, e.g. `env TOKEN_AUTH_KEYS`. Never key material. */
  readonly description: string;
  /** Seconds between background refreshes. Leave unset for a ring that never changes. */
  readonly refreshInterval?: number;
  /**
   * Seconds without a successful load after which the ring is no longer trusted: verifying and signing then fail
   * with `key_ring_stale` (HTTP 503) until a load succeeds. Needs `refreshInterval`, and must exceed it. Unset:
   * the last good ring is served for as long as the source is down.
   */
  readonly maxStaleness?: number;
  /**
   * Accept raw key bytes besides key texts (`KeyRingOptions.allowRawKeys`): the manager logs a warning naming each
   * raw key. Default false: a raw key stops the load with a message saying how to convert it.
   */
  readonly allowRawKeys?: boolean;
  /**
   * Keys leave this source's ring without a `retireAfter` schedule by design (AWS staged mode: a rotation moves
   * AWSPREVIOUS off the oldest key). Unset: a reload missing a key that may still sign or verify tokens (active,
   * the next key, or retiring and before its `retireAfter`) is refused and the last good ring stays, since such a
   * ring has most likely lost the key by accident (a value cut short).
   */
  readonly unscheduledKeyRemoval?: boolean;
  load(signal: AbortSignal): Promise<readonly KeySpec[]>;
  /** For push sources (a mounted file): call `onChange` to ask for a reload. Returns a function that stops watching. */
  watch?(onChange: () => void): () => void;
}

/** Injection token of the `KeyProvider` in use. */
export const KEY_PROVIDER = Symbol.for('nestjs-token-auth:key-provider');
