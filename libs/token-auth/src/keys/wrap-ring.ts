import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { KeyRing, readKey, type KeySpec } from './key-ring.js';
import { formatCompactRing, parseKeyRingText } from './key-ring-text.js';
import { formatKeyText } from './key-text.js';

export interface WrappedRing {
  /** The ring in the form it was given (compact or JSON), every key a key text, with its count. */
  text: string;
  /** The ids of the keys that were raw and are now key texts. */
  wrapped: string[];
  /** Every key id of the ring, in its order: what the count written stands for. */
  ids: string[];
}

/**
 * Converts a ring's raw keys to key texts, once every key passes the ring's checks (at least 32 bytes, plausibly
 * random, the id derived from it): what `nestjs-token-auth wrap` prints. Ids do not change, so every token issued
 * under the raw keys still verifies. JSON keeps its other fields. A ring without a count is taken as whole (rings
 * written before key texts have none), so the caller shows the ids to check; a count given must still match. Throws
 * `TokenAuthConfigError`, never with key bytes.
 */
export function wrapKeyRingText(text: string, source: string): WrappedRing {
  const specs = parseKeyRingText(text, source, { countRequired: false });
  const ring = KeyRing.from(specs, { allowRawKeys: true });
  const wrapped = ring.keys.filter((key) => key.raw).map((key) => key.id);
  const keyText = (spec: KeySpec): string => {
    const { bytes } = readKey(spec.key, `${source}: key "${spec.id}"`, { allowRawKeys: true });
    return formatKeyText(bytes);
  };
  let result: string;
  if (text.trim().startsWith('{')) {
    const { keys, count: _count, ...rest } = JSON.parse(text) as { keys: KeySpec[]; count?: number };
    const converted = keys.map((spec) => ({ ...spec, key: keyText(spec) }));
    result = JSON.stringify({ count: converted.length, ...rest, keys: converted }, null, 2);
  } else {
    result = formatCompactRing(specs.map((spec) => ({ id: spec.id, key: keyText(spec) })));
  }
  // What is printed must load as it is, without allowRawKeys.
  const check = KeyRing.from(parseKeyRingText(result, `${source}, converted`));
  if (check.keys.length !== ring.keys.length || check.active.id !== ring.active.id) {
    throw new TokenAuthConfigError(`${source}: the converted ring does not match the ring given`);
  }
  return { text: result, wrapped, ids: ring.keys.map((key) => key.id) };
}
