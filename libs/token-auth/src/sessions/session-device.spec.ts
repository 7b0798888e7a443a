import { describe, expect, it } from '@jest/globals';
import { DEVICE_FIELD_MAX_BYTES, sanitizeDevice } from './session-device.js';

describe('sanitizeDevice', () => {
  it('keeps ordinary text as it is and leaves out empty fields', () => {
    expect(sanitizeDevice({ userAgent: 'curl/8.5.0', label: '  ', ip: undefined }, 'full')).toEqual({
      userAgent: 'curl/8.5.0',
    });
    expect(sanitizeDevice(undefined, 'full')).toEqual({});
  });

  it('turns controls, CR, LF and line separators into one space, drops bidi overrides and zero-width characters', () => {
    const { label } = sanitizeDevice({ label: 'a\r\nb\tc\u2028d\u0085e \u202ef\u2066g\u200bh\ufeff' }, 'full');
    expect(label).toBe('a b c d e fgh');
  });

  it('makes lone surrogates (invalid UTF-8 arriving as text) U+FFFD', () => {
    expect(sanitizeDevice({ label: 'x\udc00y\ud83d' }, 'full').label).toBe('x\ufffdy\ufffd');
  });

  it('cuts at the byte cap, never inside a character', () => {
    const emoji = '😀'.repeat(100); // 4 bytes each
    const { userAgent, label } = sanitizeDevice({ userAgent: emoji, label: 'é'.repeat(100) }, 'full');
    expect(Buffer.byteLength(userAgent!, 'utf8')).toBe(DEVICE_FIELD_MAX_BYTES.userAgent);
    expect(userAgent!.isWellFormed()).toBe(true);
    expect(label).toBe('é'.repeat(DEVICE_FIELD_MAX_BYTES.label / 2));
  });

  it.each([
    ['203.0.113.77', '203.0.113.0', '203.0.113.77'],
    ['::ffff:203.0.113.77', '203.0.113.0', '203.0.113.77'],
    ['2001:DB8:85A3:8D3:1319:8A2E:370:7348', '2001:db8:85a3::', '2001:db8:85a3:8d3:1319:8a2e:370:7348'],
    ['2001:db8::1', '2001:db8:0::', '2001:db8::1'],
    ['::1', '0:0:0::', '::1'],
    ['fe80::1%eth0', 'fe80:0:0::', 'fe80::1'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0::', '64:ff9b::192.0.2.33'],
  ])('ip %s: truncated %s, full %s', (ip, truncated, full) => {
    expect(sanitizeDevice({ ip }, 'truncated').ip).toBe(truncated);
    expect(sanitizeDevice({ ip }, 'full').ip).toBe(full);
  });

  it.each([
    [{ ip: '203.0.113.77\r\nX-Injected: 1' }, /IPv4 or IPv6/],
    [{ ip: '999.1.1.1' }, /IPv4 or IPv6/],
    [{ userAgent: ['a'] }, /must be a string/],
    [{ agent: 'x' }, /device.agent is not a device field/],
    ['Mozilla', /device must be an object/],
    [null, /device must be an object/],
  ])('refuses %p', (device, message) => {
    expect(() => sanitizeDevice(device, 'truncated')).toThrow(message);
  });
});
