import { isIP } from 'node:net';
import type { SessionDevice, SessionIpMode } from '../revocation/session-entry.js';

/** The most bytes of UTF-8 each device field keeps; longer text is cut at a character boundary. */
export const DEVICE_FIELD_MAX_BYTES: Readonly<Record<keyof SessionDevice, number>> = Object.freeze({
  userAgent: 256,
  label: 64,
  ip: 45,
});

/**
 * Characters a device field never keeps. Controls (C0 and C1, DEL: CR and LF among them, so a field can never split a
 * header or a log line) and the line and paragraph separators become spaces; the bidirectional overrides and
 * isolates (which could make a user agent display as something else, "Trojan Source"), zero-width characters and the
 * BOM are dropped.
 */
// eslint-disable-next-line no-control-regex
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * The device fields a session keeps: each one a string (anything else is a TypeError, as is an unknown field),
 * made well-formed (a lone surrogate becomes U+FFFD: what arrives as invalid UTF-8 is stored as valid text), rid of
 * unsafe characters (above), its runs of spaces collapsed and trimmed, and cut to its byte cap. An IP address must be
 * one (`ip` is a TypeError otherwise); an IPv4-mapped IPv6 address is stored as IPv4, and truncated unless `ip` is
 * `'full'`. A field left empty is left out.
 */
export function sanitizeDevice(device: unknown, ipMode: SessionIpMode): SessionDevice {
  if (device === undefined) return {};
  if (typeof device !== 'object' || device === null || Array.isArray(device)) {
    throw new TypeError('device must be an object: { userAgent?, label?, ip? }');
  }
  const clean: SessionDevice = {};
  for (const [name, value] of Object.entries(device)) {
    if (!Object.hasOwn(DEVICE_FIELD_MAX_BYTES, name)) {
      throw new TypeError(`device.${name} is not a device field: use userAgent, label or ip`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`device.${name} must be a string`);
    const field = name as keyof SessionDevice;
    const text = field === 'ip' ? addressOf(value, ipMode) : cap(tidy(value), DEVICE_FIELD_MAX_BYTES[field]);
    if (text !== '') clean[field] = text;
  }
  return clean;
}

function tidy(text: string): string {
  return text.toWellFormed().replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** At most `maxBytes` of UTF-8, cut between characters. */
function cap(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end).trimEnd();
}

/** The address as stored; a TypeError when `text` is not an IPv4 or IPv6 address. */
function addressOf(text: string, ipMode: SessionIpMode): string {
  let address = text.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) address = mapped[1]!;
  // A zone (fe80::1%eth0) names an interface of the server, not the client: dropped.
  address = address.replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 0) throw new TypeError('device.ip must be an IPv4 or IPv6 address');
  if (ipMode === 'full') return address.toLowerCase();
  return version === 4 ? address.replace(/\.\d+$/, '.0') : `${ipv6Groups(address).slice(0, 3).join(':')}::`;
}

/** The eight groups of an IPv6 address (an embedded IPv4 tail read as two), each without leading zeros. */
function ipv6Groups(address: string): string[] {
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address.toLowerCase();
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}
