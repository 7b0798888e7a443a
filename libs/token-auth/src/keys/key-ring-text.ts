import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { KeySpec } from './key-ring.js';

/**
 * Parses a ring as the env, file and secret providers store it, in one of two forms:
 * - JSON: `{"keys":[{"id":"…","key":"<base64url>","state":"active","createdAt":"…"}, …]}`
 * - compact: `id:key,id:key,…`, where the first key is active and the others are verify-only.
 * `source` names where the text came from, for the error message; the text itself is never echoed.
 */
export function parseKeyRingText(text: string, source: string): KeySpec[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new TokenAuthConfigError(`${source}: the key ring is not valid JSON`);
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) {
      throw new TokenAuthConfigError(`${source}: the key ring JSON needs a "keys" array`);
    }
    return keys as KeySpec[];
  }
  return trimmed.split(',').map((entry, index) => {
    const [id, key, ...rest] = entry.trim().split(':');
    if (!id || !key || rest.length > 0) {
      throw new TokenAuthConfigError(`${source}: entry ${index + 1} is not "id:key"`);
    }
    return { id, key, state: index === 0 ? 'active' : 'verify-only' };
  });
}
