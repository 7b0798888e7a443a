import { randomBytes } from 'node:crypto';
import { deriveKeyId, MIN_KEY_BYTES, type KeySpec, type KeyState } from './key-ring.js';

/** A fresh random key with its derived id, ready for a ring. */
export function generateKey(state: KeyState = 'active'): KeySpec & { key: string } {
  const key = randomBytes(MIN_KEY_BYTES);
  return { id: deriveKeyId(key), key: key.toString('base64url'), state, createdAt: new Date().toISOString() };
}
