import { createHmac, type KeyObject } from 'node:crypto';
import { MAX_TOKEN_LENGTH, TOKEN_PREFIX } from 'nestjs-token-auth';
import type { Random } from './random.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ODD_CHARS = [
  '=',
  '+',
  '/',
  '.',
  ' ',
  '\t',
  '\n',
  '\r',
  '\0',
  'é',
  'ÿ',
  '\u00a0',
  '\u2028',
  '\u{1F600}',
  '\ud800',
];

/** The kinds of input the fuzzer makes: mutations of a valid token, and inputs made from nothing. */
export const CANDIDATE_KINDS = [
  'bit flip',
  'changed char',
  'dropped char',
  'added char',
  'truncation',
  'concatenation',
  'case change',
  'splice of two tokens',
  'stacked mutations',
  'random string',
  'random bytes as text',
  'prefix + random base64url',
  'forged tag, real key id',
  'signed, invalid UTF-8',
  'very long string',
] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];

/** Relative frequency of each kind; very long strings are rare because each costs a large allocation. */
const WEIGHTS: Record<CandidateKind, number> = {
  'bit flip': 14,
  'changed char': 12,
  'dropped char': 8,
  'added char': 8,
  truncation: 6,
  concatenation: 5,
  'case change': 5,
  'splice of two tokens': 5,
  'stacked mutations': 10,
  'random string': 8,
  'random bytes as text': 6,
  'prefix + random base64url': 6,
  'forged tag, real key id': 6,
  'signed, invalid UTF-8': 4,
  'very long string': 0.05,
};
const TOTAL_WEIGHT = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

function randomChar(random: Random): string {
  const roll = random.int(10);
  if (roll < 6) return BASE64URL[random.int(64)]!;
  if (roll < 8) return random.pick(ODD_CHARS);
  return String.fromCodePoint(random.int(0x110000));
}

function decode(token: string): Buffer {
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
}

function encode(bytes: Buffer): string {
  return TOKEN_PREFIX + bytes.toString('base64url');
}

/** Makes candidate tokens from a pool of valid ones; none is meant to verify. */
export class CandidateGenerator {
  constructor(
    private readonly random: Random,
    private readonly valid: readonly string[],
    private readonly keyIdBytes: Buffer,
    /** The access MAC key of that key id: authentic tokens whose subject or claims are not UTF-8. */
    private readonly macKey: KeyObject,
  ) {}

  kind(): CandidateKind {
    let roll = this.random.next() * TOTAL_WEIGHT;
    for (const kind of CANDIDATE_KINDS) {
      roll -= WEIGHTS[kind];
      if (roll < 0) return kind;
    }
    return 'bit flip';
  }

  make(kind: CandidateKind): string {
    const { random } = this;
    const token = random.pick(this.valid);
    return this.apply(kind, token, random);
  }

  /** An access-token body under this ring's key id: `ids` is the token id, session id and the two times. */
  private body(ids: Buffer, subject: Buffer, claims: Buffer): Buffer {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(claims.length);
    return Buffer.concat([
      Buffer.from([1, 1]),
      this.keyIdBytes,
      ids,
      Buffer.from([subject.length]),
      subject,
      length,
      claims,
    ]);
  }

  private apply(kind: CandidateKind, token: string, random: Random): string {
    const at = (length: number) => random.int(length);
    switch (kind) {
      case 'bit flip': {
        const bytes = decode(token);
        bytes[at(bytes.length)]! ^= 1 << random.int(8);
        return encode(bytes);
      }
      case 'changed char': {
        const i = at(token.length);
        return token.slice(0, i) + randomChar(random) + token.slice(i + 1);
      }
      case 'dropped char': {
        const i = at(token.length);
        return token.slice(0, i) + token.slice(i + 1);
      }
      case 'added char': {
        const i = at(token.length + 1);
        return token.slice(0, i) + randomChar(random) + token.slice(i);
      }
      case 'truncation':
        return token.slice(0, 1 + at(token.length - 1));
      case 'concatenation':
        return token + random.pick(['', '.', ' ', ',']) + random.pick(this.valid);
      case 'case change': {
        const roll = random.int(3);
        if (roll === 0) return token.toUpperCase();
        if (roll === 1) return token.toLowerCase();
        const i = at(token.length);
        const c = token[i]!;
        return token.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + token.slice(i + 1);
      }
      case 'splice of two tokens': {
        const other = random.pick(this.valid);
        const i = TOKEN_PREFIX.length + 1 + at(Math.max(1, token.length - TOKEN_PREFIX.length - 1));
        return token.slice(0, i) + other.slice(i);
      }
      case 'stacked mutations': {
        let result = token;
        const steps = 2 + random.int(3);
        for (let s = 0; s < steps && result.length > 1; s++) {
          result = this.apply(random.pick(CANDIDATE_KINDS.slice(0, 7)), result, random);
        }
        return result;
      }
      case 'random string': {
        const length = random.int(random.int(2) === 0 ? 64 : 1200);
        let text = random.int(2) === 0 ? TOKEN_PREFIX : '';
        for (let i = 0; i < length; i++) text += randomChar(random);
        return text;
      }
      case 'random bytes as text': {
        const bytes = random.bytes(random.int(1200));
        return (random.int(2) === 0 ? TOKEN_PREFIX : '') + bytes.toString(random.int(2) === 0 ? 'latin1' : 'utf8');
      }
      case 'prefix + random base64url':
        return encode(random.bytes(random.int(1400)));
      case 'forged tag, real key id': {
        // A structurally valid access token under this ring's key id, with random ids, times, subject and tag.
        const subject = random.bytes(1 + random.int(40));
        const claims = random.int(2) === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify({ role: random.int(1000) }));
        return encode(Buffer.concat([this.body(random.bytes(44), subject, claims), random.bytes(32)]));
      }
      case 'signed, invalid UTF-8': {
        // Correctly signed and unexpired, but the subject or the claims hold a byte sequence UTF-8 forbids (or the
        // claims start with a byte order mark): refused as token_malformed, never read lossily.
        const now = Date.now();
        const times = Buffer.alloc(12);
        times.writeUIntBE(now, 0, 6);
        times.writeUIntBE(now + 60_000, 6, 6);
        const ids = Buffer.concat([random.bytes(32), times]);
        const broken = (text: string) => {
          const bytes = Buffer.from(text);
          const at = random.int(bytes.length + 1);
          const bad = random.pick([
            [0xff],
            [0xfe],
            [0xc0],
            [0xc0, 0xaf],
            [0xed, 0xa0, 0x80],
            [0xf4, 0x90, 0x80, 0x80],
            [0xe2, 0x82],
          ]);
          return Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
        };
        const roll = random.int(3);
        const subject = roll === 0 ? broken(`user-${random.int(1000)}`) : Buffer.from(`user-${random.int(1000)}`);
        const claims =
          roll === 1
            ? Buffer.concat([Buffer.from('{"r":"'), broken('x'.repeat(random.int(20))), Buffer.from('"}')])
            : Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ role: random.int(1000) }))]);
        const body = this.body(ids, subject, roll === 0 ? Buffer.alloc(0) : claims);
        return encode(Buffer.concat([body, createHmac('sha256', this.macKey).update(body).digest()]));
      }
      case 'very long string':
        return (
          (random.int(2) === 0 ? TOKEN_PREFIX : '') +
          token.repeat(2 + Math.ceil(MAX_TOKEN_LENGTH / token.length) + random.int(200))
        );
    }
  }
}

/** Characters Node lets a client put in a header value: tab, visible ASCII, space and obs-text. */
export function isHeaderSafe(text: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(text);
}
