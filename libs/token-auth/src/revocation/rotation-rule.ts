import type { RotationOutcome, SessionRotation } from './revocation-store.interface.js';

/**
 * What a store keeps per refreshed session: when it started, its current refresh token, and the one spent just
 * before it with the time of that use (the current one's issue time). `'revoked'`: logged out, or a reuse
 * was detected; nothing of the session refreshes any more.
 */
export type SessionRecord = 'revoked' | { startedAt: number; usedAt: number; spent: string; current: string };

/**
 * The rotation rule, shared by every store (the Redis store runs the same rule as a Lua script), at `now` on the
 * store's clock:
 * - no record: the session was never refreshed, so this is its login token, unless it was issued before the store
 *   lost its data (`resetBefore`), when it may be a spent token whose record is gone;
 * - the current token: rotate, its successor becomes current, first used `now` (or at the token's own issue time, if
 *   that is later);
 * - the token spent last, within `replayWindowMs` of its first use: its successor is still unspent, so hand the
 *   same one out again;
 * - anything else (an older token, or the last one after the window): reuse; the session stops here.
 */
export function decideRotation(
  record: SessionRecord | undefined,
  rotation: SessionRotation,
  now: number,
  resetBefore: number,
): { outcome: RotationOutcome; record?: SessionRecord } {
  if (record === 'revoked') return { outcome: { kind: 'revoked' } };
  if (record === undefined && rotation.issuedAt < resetBefore) return { outcome: { kind: 'reset' } };
  if (record === undefined || rotation.jti === record.current) {
    const startedAt = record?.startedAt ?? rotation.issuedAt;
    // Never stamped before the token it succeeds: that token may have been issued at a user's cut-off made in this
    // very millisecond, which its successor must not fall under.
    const usedAt = Math.max(now, rotation.issuedAt);
    return {
      outcome: { kind: 'rotated', usedAt, startedAt },
      record: { startedAt, usedAt, spent: rotation.jti, current: rotation.successorJti },
    };
  }
  if (rotation.jti === record.spent && rotation.replayWindowMs > 0 && now - record.usedAt <= rotation.replayWindowMs) {
    return { outcome: { kind: 'replayed', usedAt: record.usedAt, startedAt: record.startedAt } };
  }
  return { outcome: { kind: 'reused', startedAt: record.startedAt }, record: 'revoked' };
}
