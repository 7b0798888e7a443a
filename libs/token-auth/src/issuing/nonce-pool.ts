import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/**
 * Random bytes from a pooled CSPRNG buffer: one `randomFillSync` serves hundreds of tokens, because a
 * `randomBytes(16)` call per token costs more than the token's HMAC. Each byte is handed out once.
 */
export class NoncePool {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;

  take(length: number): Buffer {
    if (this.offset + length > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const bytes = Buffer.allocUnsafe(length);
    this.pool.copy(bytes, 0, this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }
}
