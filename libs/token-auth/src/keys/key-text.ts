import { createHash } from 'node:crypto';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';

/**
 * The form keys are written in: `nta-key-v1.<key>.<check>`, where `<key>` is the key bytes (32 to 64) and
 * `<check>` the first 6 bytes of SHA-256 over `KEY_TEXT_CHECK_LABEL` then the key bytes, both canonical unpadded
 * base64url (docs/token-format.md, section 4.4). Only the generator, `wrap` and rotation write it, so a password,
 * a passphrase or bytes pasted from elsewhere are never a key text, and a key cut short or mistyped fails the check.
 */
export const KEY_TEXT_PREFIX = 'nta-key-v1.';
/** What every version of the key text starts with: a text starting so is read as a key text, never as raw bytes. */
export const KEY_TEXT_FAMILY = 'nta-key-';
export const KEY_TEXT_CHECK_LABEL = 'nestjs-token-auth/v1/key-text';
export const KEY_TEXT_CHECK_BYTES = 6;
export const MIN_KEY_TEXT_BYTES = 32;
export const MAX_KEY_TEXT_BYTES = 64;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const FORM = `${KEY_TEXT_PREFIX}<key>.<check>`;

function check(key: Buffer): string {
  return createHash('sha256')
    .update(KEY_TEXT_CHECK_LABEL)
    .update(key)
    .digest()
    .subarray(0, KEY_TEXT_CHECK_BYTES)
    .toString('base64url');
}

/** Canonical unpadded base64url only: one spelling per byte string, as tokens (docs/token-format.md, section 2). */
function decodeCanonical(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** Whether `text` is meant as a key text (of any version), as opposed to raw key bytes. */
export function isKeyText(text: string): boolean {
  return text.startsWith(KEY_TEXT_FAMILY);
}

/** The key text of `key`. It does not judge the bytes: callers check them first (`generateKey`, `wrap`). */
export function formatKeyText(key: Buffer): string {
  if (key.length < MIN_KEY_TEXT_BYTES || key.length > MAX_KEY_TEXT_BYTES) {
    throw new TokenAuthConfigError(
      `a key text holds ${MIN_KEY_TEXT_BYTES} to ${MAX_KEY_TEXT_BYTES} bytes, not ${key.length}`,
    );
  }
  return `${KEY_TEXT_PREFIX}${key.toString('base64url')}.${check(key)}`;
}

/**
 * The key bytes of a key text. Throws `TokenAuthConfigError` naming `label` and what is wrong, never the text:
 * another version, not the `nta-key-v1.<key>.<check>` form, a length out of range, or a checksum that does not match
 * (a key mistyped, cut short or joined to something else).
 */
export function parseKeyText(text: string, label: string): Buffer {
  if (!text.startsWith(KEY_TEXT_PREFIX)) {
    const version = /^nta-key-([A-Za-z0-9]{1,8})\./.exec(text)?.[1];
    throw new TokenAuthConfigError(
      version === undefined
        ? `${label}: the key text is not in the form ${FORM}`
        : `${label}: key text version "${version}" is not known to this version, which reads ${KEY_TEXT_PREFIX}`,
    );
  }
  const parts = text.slice(KEY_TEXT_PREFIX.length).split('.');
  const key = parts.length === 2 ? decodeCanonical(parts[0]!) : undefined;
  if (key === undefined || !BASE64URL.test(parts[1]!)) {
    throw new TokenAuthConfigError(`${label}: the key text is not in the form ${FORM} (canonical base64url)`);
  }
  if (key.length < MIN_KEY_TEXT_BYTES || key.length > MAX_KEY_TEXT_BYTES) {
    throw new TokenAuthConfigError(
      `${label}: the key text holds ${key.length} bytes; a key text holds ${MIN_KEY_TEXT_BYTES} to ${MAX_KEY_TEXT_BYTES}`,
    );
  }
  if (parts[1] !== check(key)) {
    throw new TokenAuthConfigError(
      `${label}: the key text's checksum does not match its key: it was mistyped, cut short or changed; ` +
        'copy it again from where it was generated',
    );
  }
  return key;
}
