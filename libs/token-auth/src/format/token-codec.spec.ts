import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { idText } from './token-codec.js';

const viewOf = (bytes: Buffer) => new DataView(bytes.buffer, bytes.byteOffset, bytes.length);

describe('idText', () => {
  it('spells 16 bytes as Buffer does in base64url, at any offset', () => {
    const edges = [Buffer.alloc(16), Buffer.alloc(16, 0xff), Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')];
    for (const bytes of [...edges, ...Array.from({ length: 2000 }, () => randomBytes(16))]) {
      expect(idText(viewOf(bytes), 0)).toBe(bytes.toString('base64url'));
    }
    const body = randomBytes(64);
    for (let offset = 0; offset <= 48; offset++) {
      expect(idText(viewOf(body), offset)).toBe(body.toString('base64url', offset, offset + 16));
    }
  });
});
