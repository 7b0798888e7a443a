import {
  deriveKeyId,
  formatCompactRing,
  generateKey,
  KeyRing,
  parseKeyRingText,
  parseKeyText,
  TokenAuthConfigError,
  wrapKeyRingText,
  type KeySpec,
} from 'nestjs-token-auth';
import type { Random } from './random.js';

/**
 * Mutated and random key texts and ring texts (compact and JSON) through `parseKeyRingText` and `KeyRing.from`, as
 * every provider reads them, and random bytes through the raw-key path. A finding is an error that is not a
 * `TokenAuthConfigError` (a crash), or a mutated text that loads as a ring other than the one it was made from:
 * a key lost (a ring cut short), a key's bytes changed, or another key active.
 */
export const KEY_INPUT_KINDS = [
  'changed char',
  'dropped char',
  'added char',
  'truncation',
  'dropped entry',
  'duplicated entry',
  'count changed',
  'stacked mutations',
  'key text alone',
  'raw ring (allowRawKeys)',
  'random string',
  'random bytes as raw key',
] as const;
export type KeyInputKind = (typeof KEY_INPUT_KINDS)[number];

export interface KeyRingFuzzResult {
  inputs: number;
  /** Mutations that loaded as another ring: each is a finding. */
  accepted: string[];
  crashes: string[];
  /** Mutations that loaded as the very ring they came from (whitespace, JSON spelling): harmless. */
  sameRing: number;
  /** Random keys of 32 to 64 bytes the randomness check refused (odds 3e-11 each): each is a finding. */
  refusedRandom: string[];
  byKind: Record<KeyInputKind, number>;
  seconds: number;
}

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:,;={}[]" \n\t+/é\u0000';

interface Sample {
  text: string;
  /** id -> access MAC key (hex) of the ring the text holds, and its active id. */
  keys: Map<string, string>;
  active: string;
}

function describeRing(ring: KeyRing): { keys: Map<string, string>; active: string } {
  return {
    keys: new Map(ring.keys.map((key) => [key.id, key.macKeys.access.export().toString('hex')])),
    active: ring.active.id,
  };
}

function sample(random: Random): Sample {
  const count = 1 + random.int(4);
  const keys = Array.from({ length: count }, (_, i) => generateKey(i === 0 ? 'active' : 'verify-only'));
  const text =
    random.int(2) === 0
      ? formatCompactRing(keys)
      : JSON.stringify({ count, keys }, null, random.int(2) === 0 ? 2 : undefined);
  return { text, ...describeRing(KeyRing.from(parseKeyRingText(text, 'fuzz'))) };
}

/** The ring's entries and how to join them back with the same count; undefined for JSON a mutation broke. */
function entries(text: string): { parts: string[]; join: (parts: string[]) => string } | undefined {
  if (text.trimStart().startsWith('{')) {
    let parsed: { count: number; keys: unknown[] };
    try {
      parsed = JSON.parse(text) as { count: number; keys: unknown[] };
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed?.keys)) return undefined;
    return {
      parts: parsed.keys.map((key) => JSON.stringify(key)),
      join: (parts) => JSON.stringify({ count: parsed.count, keys: parts.map((part) => JSON.parse(part) as unknown) }),
    };
  }
  const parts = text.split(',');
  const count = parts.pop()!;
  return { parts, join: (kept) => [...kept, count].join(',') };
}

function mutate(kind: KeyInputKind, text: string, random: Random): string {
  const at = (length: number) => random.int(Math.max(1, length));
  switch (kind) {
    case 'changed char': {
      const i = at(text.length);
      return text.slice(0, i) + CHARS[random.int(CHARS.length)]! + text.slice(i + 1);
    }
    case 'dropped char': {
      const i = at(text.length);
      return text.slice(0, i) + text.slice(i + 1);
    }
    case 'added char': {
      const i = at(text.length + 1);
      return text.slice(0, i) + CHARS[random.int(CHARS.length)]! + text.slice(i);
    }
    case 'truncation':
      return random.int(2) === 0 ? text.slice(0, at(text.length)) : text.slice(0, text.lastIndexOf(','));
    case 'dropped entry': {
      const ring = entries(text);
      if (ring === undefined || ring.parts.length < 2) return text.slice(0, -1);
      ring.parts.splice(random.int(ring.parts.length), 1);
      return ring.join(ring.parts);
    }
    case 'duplicated entry': {
      const ring = entries(text);
      if (ring === undefined || ring.parts.length === 0) return text + text.slice(0, 1 + at(text.length));
      ring.parts.push(ring.parts[random.int(ring.parts.length)]!);
      return ring.join(ring.parts);
    }
    case 'count changed':
      return text.replace(/(n=|"count": ?)(\d+)/, (_, label: string, n: string) => `${label}${Number(n) + 1}`);
    case 'stacked mutations': {
      let result = text;
      for (let s = 2 + random.int(3); s > 0; s--) {
        result = mutate(random.pick(KEY_INPUT_KINDS.slice(0, 7)), result, random);
      }
      return result;
    }
    default:
      throw new Error(`not a mutation: ${kind}`);
  }
}

function randomString(random: Random): string {
  let text = random.pick(['', 'nta-key-v1.', 'id:nta-key-v1.', '{"count":1,"keys":[{"key":"nta-key-v1.']);
  for (let n = random.int(random.int(2) === 0 ? 80 : 400); n > 0; n--) text += CHARS[random.int(CHARS.length)]!;
  return text;
}

/** Runs `count` inputs; every accepted mutation is compared key by key with the ring it came from. */
export function fuzzKeyRing(random: Random, count: number): KeyRingFuzzResult {
  const byKind = Object.fromEntries(KEY_INPUT_KINDS.map((kind) => [kind, 0])) as Record<KeyInputKind, number>;
  const accepted: string[] = [];
  const crashes: string[] = [];
  let sameRing = 0;
  const refusedRandom: string[] = [];
  const samples = Array.from({ length: 32 }, () => sample(random));
  const started = process.hrtime.bigint();

  const guard = (kind: KeyInputKind, input: string, run: () => void): void => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof TokenAuthConfigError))
        crashes.push(`${kind}: ${String(error)} (input ${input.slice(0, 80)})`);
    }
  };

  for (let i = 0; i < count; i++) {
    const kind = random.pick(KEY_INPUT_KINDS);
    byKind[kind]++;
    const base = random.pick(samples);
    switch (kind) {
      case 'key text alone': {
        const { key } = generateKey();
        const bytes = parseKeyText(key, 'fuzz');
        const text = mutate(
          random.pick(['changed char', 'dropped char', 'added char', 'truncation'] as const),
          key,
          random,
        );
        guard(kind, text, () => {
          const read = parseKeyText(text, 'fuzz');
          if (!read.equals(bytes)) accepted.push(`${kind}: ${text} read as other bytes`);
          else if (text !== key) accepted.push(`${kind}: ${text} accepted as well as ${key}`);
        });
        break;
      }
      case 'raw ring (allowRawKeys)': {
        const bytes = random.bytes(random.int(3) === 0 ? random.int(80) : 32);
        const text = `${random.int(2) === 0 ? 'x' : 'AAAAAAAAAAAA'}:${bytes.toString(random.pick(['base64url', 'base64', 'hex'] as const))}`;
        guard(kind, text, () => void KeyRing.from(parseKeyRingText(text, 'fuzz'), { allowRawKeys: true }));
        guard(kind, text, () => void wrapKeyRingText(text, 'fuzz'));
        break;
      }
      case 'random string': {
        const text = randomString(random);
        guard(kind, text, () => void KeyRing.from(parseKeyRingText(text, 'fuzz')));
        guard(kind, text, () => void parseKeyText(text, 'fuzz'));
        break;
      }
      case 'random bytes as raw key': {
        const bytes = random.bytes(random.int(4) === 0 ? random.int(300) : 32 + random.int(33));
        const spec: KeySpec = { id: deriveKeyId(bytes), key: bytes, state: 'active' };
        guard(kind, '(bytes)', () => {
          try {
            KeyRing.from([spec], { allowRawKeys: true });
          } catch (error) {
            if (bytes.length >= 32) refusedRandom.push(`${bytes.toString('hex')}: ${(error as Error).message}`);
            throw error;
          }
        });
        break;
      }
      default: {
        const text = mutate(kind, base.text, random);
        guard(kind, text, () => {
          const ring = describeRing(KeyRing.from(parseKeyRingText(text, 'fuzz')));
          const same =
            ring.active === base.active &&
            ring.keys.size === base.keys.size &&
            [...base.keys].every(([id, mac]) => ring.keys.get(id) === mac);
          if (same) sameRing++;
          else accepted.push(`${kind}: loaded as another ring: ${text.slice(0, 160)}`);
        });
      }
    }
  }
  return {
    inputs: count,
    accepted,
    crashes,
    sameRing,
    refusedRandom,
    byKind,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
