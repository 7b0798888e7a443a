import { createHmac, type KeyObject } from 'node:crypto';
import { TIME_BYTES, TOKEN_ID_BYTES } from '../format/token-format.js';

/** The token ids of a refreshed pair. */
export interface SuccessorIds {
  access: Buffer;
  refresh: Buffer;
}

/**
 * The ids of the pair that succeeds a refresh token first used at `usedAt`: HMAC-SHA256 under the ring's
 * successor key of the used token id and that time, split in two. The same used token and time always give the same
 * pair, so a retried or concurrent refresh gets the successor already handed out rather than a second chain.
 */
export function successorIds(key: KeyObject, usedJti: string, usedAt: number): SuccessorIds {
  const time = Buffer.alloc(TIME_BYTES);
  time.writeUIntBE(usedAt, 0, TIME_BYTES);
  const mac = createHmac('sha256', key).update(Buffer.from(usedJti, 'base64url')).update(time).digest();
  return { refresh: mac.subarray(0, TOKEN_ID_BYTES), access: mac.subarray(TOKEN_ID_BYTES, 2 * TOKEN_ID_BYTES) };
}
