import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { KeySpec } from './key-ring.js';
import { isKeyText } from './key-text.js';

/** The compact form's last entry: how many keys come before it. */
const COUNT_ENTRY = /^n=(\d{1,4})$/;

function holdsKeyText(specs: readonly KeySpec[]): boolean {
  return specs.some((spec) => typeof spec?.key === 'string' && isKeyText(spec.key));
}

/**
 * A ring must say how many keys it holds, so that one cut short (a value truncated at a comma, an entry lost in an
 * edit) is refused instead of loading without a key. Rings written before key texts (raw keys, which need
 * `allowRawKeys`) may lack the count; a ring holding key texts, which everything since writes with its count, may not.
 */
function checkCount(
  specs: readonly KeySpec[],
  count: number | undefined,
  source: string,
  expected: string,
  options: ParseOptions,
): void {
  if (count === undefined) {
    if (options.countRequired !== false && holdsKeyText(specs)) {
      throw new TokenAuthConfigError(
        `${source}: the key ring does not say how many keys it holds (${expected}); a ring without its count ` +
          'may have been cut short. "npx nestjs-token-auth keygen" and "wrap" write it',
      );
    }
    return;
  }
  if (count !== specs.length) {
    throw new TokenAuthConfigError(
      `${source}: the key ring holds ${specs.length} key${specs.length === 1 ? '' : 's'} but says it holds ${count}: ` +
        'it was cut short or edited without its count; restore it from its source',
    );
  }
}

interface ParseOptions {
  /** False for `wrap`, which writes the count of a ring it shows the keys of. Default true. */
  countRequired?: boolean;
}

/**
 * Parses a ring as the env, file and secret providers store it, in one of two forms:
 * - JSON: `{"count":2,"keys":[{"id":"…","key":"nta-key-v1.…","state":"active","createdAt":"…"}, …]}`
 * - compact: `id:key,id:key,…,n=2`, where the first key is active and the others are verify-only.
 * The count (`count`, `n=`) must match the keys; it may be left out only by a ring of raw keys only (written before
 * key texts). `source` names where the text came from, for the error message; the text itself is never echoed.
 */
export function parseKeyRingText(text: string, source: string, options: ParseOptions = {}): KeySpec[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new TokenAuthConfigError(`${source}: the key ring is not valid JSON`);
    }
    const { keys, count } = parsed as { keys?: unknown; count?: unknown };
    if (!Array.isArray(keys)) {
      throw new TokenAuthConfigError(`${source}: the key ring JSON needs a "keys" array`);
    }
    if (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0)) {
      throw new TokenAuthConfigError(`${source}: "count" must be the number of keys`);
    }
    checkCount(keys as KeySpec[], count as number | undefined, source, `"count": ${keys.length}`, options);
    return keys as KeySpec[];
  }
  const entries = trimmed.split(',');
  const counted = COUNT_ENTRY.exec(entries.at(-1)!.trim());
  if (counted) entries.pop();
  const specs = entries.map((entry, index): KeySpec => {
    const [id, key, ...rest] = entry.trim().split(':');
    if (!id || !key || rest.length > 0) {
      throw new TokenAuthConfigError(`${source}: entry ${index + 1} is not "id:key"`);
    }
    return { id, key, state: index === 0 ? 'active' : 'verify-only' };
  });
  checkCount(specs, counted ? Number(counted[1]) : undefined, source, `end it with ",n=${specs.length}"`, options);
  return specs;
}

/** The compact form of a ring whose first key is the active one, with its count: what `keygen` and `wrap` print. */
export function formatCompactRing(keys: readonly { id: string; key: string }[]): string {
  return [...keys.map(({ id, key }) => `${id}:${key}`), `n=${keys.length}`].join(',');
}
