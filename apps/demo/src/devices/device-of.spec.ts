import { describe, expect, it } from '@jest/globals';
import { deviceOf } from './device-of.js';

describe('deviceOf', () => {
  it('reads the user agent as UTF-8 (Node gives header values as Latin-1) and the address', () => {
    const latin1 = Buffer.from('Agent ✓ \u00e9', 'utf8').toString('latin1');
    expect(deviceOf({ headers: { 'user-agent': latin1 }, ip: '203.0.113.9' } as never)).toEqual({
      userAgent: 'Agent ✓ \u00e9',
      ip: '203.0.113.9',
    });
  });

  it('turns invalid UTF-8 into U+FFFD and leaves out what is missing', () => {
    const bytes = Buffer.from([0x41, 0xff, 0xfe, 0x42]).toString('latin1');
    expect(deviceOf({ raw: { headers: { 'user-agent': bytes } } } as never)).toEqual({ userAgent: 'A\ufffd\ufffdB' });
    expect(deviceOf({ headers: {}, ip: '' } as never)).toEqual({});
  });
});
