import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { KeyRing, RingKey } from './key-ring.js';

/**
 * Clocks differ between the rotator and the instances: a key may leave the ring this long before its `retireAfter`
 * by this instance's clock. The widest `clockTolerance` the module accepts (300 s).
 */
const RETIREMENT_MARGIN_MS = 300_000;

function role(key: RingKey): string {
  if (key.state === 'active') return 'the active key';
  if (key.retireAfter === undefined) return 'verify-only, with no retireAfter';
  return `retiring, verifying until ${key.retireAfter.toISOString()}`;
}

/**
 * Whether `next` descends from `previous` through rotations this instance did not see: its active key is new to
 * `previous` and it still holds one of `previous`'s keys (two emergency rotations within one refresh interval, or
 * an instance cut off from its source across rotations). Refusing such a ring would pin the instance
 * to keys the others dropped, a compromised one among them. A ring sharing no key is not one (a wrong source).
 */
function movedOn(previous: KeyRing, next: KeyRing): boolean {
  return previous.get(next.active.id) === undefined && previous.keys.some((key) => next.get(key.id) !== undefined);
}

/**
 * The keys of `previous` that `next` lacks although they may still sign or verify tokens: active, verify-only
 * without a `retireAfter` (the next key), or retiring with a `retireAfter` still ahead (less the margin). None when
 * `next` moved on through rotations this instance missed.
 */
export function liveKeysMissing(previous: KeyRing, next: KeyRing, now: number): RingKey[] {
  if (movedOn(previous, next)) return [];
  return previous.keys.filter(
    (key) =>
      next.get(key.id) === undefined &&
      (key.retireAfter === undefined || key.retireAfter.getTime() > now + RETIREMENT_MARGIN_MS),
  );
}

/** The keys of `previous` that `next` lacks and whose `retireAfter` had not passed: their tokens are refused now. */
export function keysDroppedEarly(previous: KeyRing, next: KeyRing, now: number): RingKey[] {
  return previous.keys.filter(
    (key) => next.get(key.id) === undefined && (key.retireAfter === undefined || key.retireAfter.getTime() > now),
  );
}

/**
 * Refuses a reload whose ring lost a key still in use. A rotation never does that: it drops a key only after its
 * `retireAfter`, and an emergency rotation retires the compromised key at once (`retireAfter` now) before a later
 * step drops it. A ring cut short or edited by hand does, and would refuse every token the key signed.
 */
export function checkNoLiveKeyLost(previous: KeyRing, next: KeyRing, now: number, source: string): void {
  const missing = liveKeysMissing(previous, next, now);
  if (missing.length === 0) return;
  const names = missing.map((key) => `"${key.id}" (${role(key)})`).join(', ');
  const one = missing.length === 1;
  throw new TokenAuthConfigError(
    `the ring from ${source} lacks ${one ? 'key' : 'keys'} ${names}, which may still sign or verify tokens, and ` +
      `no rotation retired ${one ? 'it' : 'them'}; refusing it. A ring cut short or edited by hand does this: ` +
      `restore the ${one ? 'key' : 'keys'}. A key leaves the ring once its retireAfter has passed; to stop ` +
      'accepting one now, set its retireAfter to the current time ("nestjs-token-auth rotate --emergency" does for ' +
      'the active key) and remove it at a later rotation (docs/key-rotation.md#a-ring-that-loses-a-key)',
  );
}
