import { createHmac, type KeyObject } from 'node:crypto';
import { TOKEN_ID_BYTES } from '../format/token-format.js';

/** The token ids of a refreshed pair. */
export interface SuccessorIds {
  access: Buffer;
  refresh: Buffer;
}

/**
 * The ids of the pair that succeeds a refresh token: HMAC-SHA256 under the ring's successor key of the used token
 * id, split in two. The same used token always gives the same pair, so a retried or concurrent refresh gets the
 * successor already handed out rather than a second chain; the ids are known before the store decides, which
 * stamps the pair with its own clock (the time of first use it records).
 */
export function successorIds(key: KeyObject, usedJti: string): SuccessorIds {
  const mac = createHmac('sha256', key).update(Buffer.from(usedJti, 'base64url')).digest();
  return { refresh: mac.subarray(0, TOKEN_ID_BYTES), access: mac.subarray(TOKEN_ID_BYTES, 2 * TOKEN_ID_BYTES) };
}
