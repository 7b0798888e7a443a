import { randomBytes } from 'node:crypto';
import { keyWeakness } from './key-randomness.js';
import { deriveKeyId, MIN_KEY_BYTES, type KeySpec, type KeyState } from './key-ring.js';
import { formatKeyText } from './key-text.js';

/** A fresh random key as its key text (`nta-key-v1.…`), with its derived id, ready for a ring. */
export function generateKey(state: KeyState = 'active'): KeySpec & { key: string } {
  let key = randomBytes(MIN_KEY_BYTES);
  // About one draw in 35e9 looks like text or a pattern to the ring's check: draw again so every generated key loads.
  while (keyWeakness(key) !== undefined) key = randomBytes(MIN_KEY_BYTES);
  return { id: deriveKeyId(key), key: formatKeyText(key), state, createdAt: new Date().toISOString() };
}
