import { attenuatedLayout, plainLayout, type TokenLayout } from '../format/attenuated-layout.js';
import { decodeBase64url, encodeBase64url } from '../format/base64url.js';
import { ATTENUATED_PREFIX, MAX_CAVEATS, ONCE_ID_BYTES, type HttpMethod } from '../format/caveat-format.js';
import { encodeCaveat, type Caveat } from '../format/caveats.js';
import { readCaveats, type EffectiveCaveats } from '../format/effective-caveats.js';
import {
  OFFSET_EXPIRES_AT,
  OFFSET_ISSUED_AT,
  OFFSET_PURPOSE,
  OFFSET_SESSION_ID,
  OFFSET_SUBJECT,
  OFFSET_TOKEN_ID,
  SESSION_ID_BYTES,
  TAG_BYTES,
  TOKEN_ID_BYTES,
  TOKEN_PREFIX,
  TOKEN_VERSION,
  TokenPurpose,
} from '../format/token-format.js';

/** A caveat to add, as `attenuate` takes it: times may be Dates, and a one-time id is drawn when not given. */
export type CaveatInput =
  | { readonly type: 'expires'; readonly at: number | Date }
  | { readonly type: 'methods'; readonly methods: readonly HttpMethod[] }
  | { readonly type: 'path'; readonly prefix: string }
  | { readonly type: 'audience'; readonly audience: string }
  | { readonly type: 'once'; readonly id?: string };

/** What a token says, read without verifying it (no key is needed, and nothing here is authenticated). */
export interface TokenSummary {
  readonly purpose: 'access' | 'refresh';
  readonly sub: string;
  readonly jti: string;
  readonly sid: string;
  readonly issuedAt: number;
  /** The token's own expiry, or the earlier expiry of an expires caveat. */
  readonly expiresAt: number;
  /** The caveats, taken together (`list` holds them in order); absent for a token that has none. */
  readonly caveats?: EffectiveCaveats;
}

interface DecodedToken {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly layout: TokenLayout;
}

const utf8 = new TextDecoder();

/** A token's bytes and layout, or a TypeError: the same structural checks the verifier makes. */
function decodeToken(token: string): DecodedToken {
  if (typeof token !== 'string') throw new TypeError('a token must be a string');
  const attenuated = token.startsWith(ATTENUATED_PREFIX);
  if (!attenuated && !token.startsWith(TOKEN_PREFIX)) {
    throw new TypeError(`not a token of this format: it starts with neither ${TOKEN_PREFIX} nor ${ATTENUATED_PREFIX}`);
  }
  const bytes = decodeBase64url(token.slice(attenuated ? ATTENUATED_PREFIX.length : TOKEN_PREFIX.length));
  if (bytes === undefined) throw new TypeError('the token is not canonical base64url');
  if (bytes[0] !== TOKEN_VERSION) throw new TypeError('unsupported token version');
  const layout = attenuated ? attenuatedLayout(bytes, bytes.length) : plainLayout(bytes, bytes.length);
  if (layout === undefined) throw new TypeError('the token layout is invalid');
  return { bytes: bytes as Uint8Array<ArrayBuffer>, layout };
}

function time(view: DataView, offset: number): number {
  return view.getUint16(offset) * 2 ** 32 + view.getUint32(offset + 2);
}

/**
 * What `token` says (subject, ids, times, caveats), read without a key and without verifying anything: for a page
 * that shows when a link it made expires. The server decides what the token is worth.
 */
export function readToken(token: string): TokenSummary {
  const { bytes, layout } = decodeToken(token);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const purpose = bytes[OFFSET_PURPOSE] === TokenPurpose.refresh ? 'refresh' : 'access';
  const caveats =
    layout.caveatStarts.length === 0
      ? undefined
      : readCaveats(bytes, layout.bodyLength, bytes.length - TAG_BYTES, token);
  const expiresAt = time(view, OFFSET_EXPIRES_AT);
  return {
    purpose,
    sub: utf8.decode(bytes.subarray(OFFSET_SUBJECT, OFFSET_SUBJECT + layout.subjectLength)),
    jti: encodeBase64url(bytes.subarray(OFFSET_TOKEN_ID, OFFSET_TOKEN_ID + TOKEN_ID_BYTES)),
    sid: encodeBase64url(bytes.subarray(OFFSET_SESSION_ID, OFFSET_SESSION_ID + SESSION_ID_BYTES)),
    issuedAt: time(view, OFFSET_ISSUED_AT),
    expiresAt: Math.min(expiresAt, caveats?.expiresAt ?? expiresAt),
    ...(caveats !== undefined && { caveats }),
  };
}

/** The part of WebCrypto's SubtleCrypto used here, typed without the DOM library (the package compiles without it). */
interface HmacSubtle {
  importKey(
    format: 'raw',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: { name: 'HMAC'; hash: 'SHA-256' },
    extractable: false,
    usages: ['sign'],
  ): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/** WebCrypto: in browsers (secure contexts only), workers, service workers, Node 20+ and Deno. */
function subtle(): HmacSubtle {
  const found = (globalThis as { crypto?: { subtle?: HmacSubtle } }).crypto?.subtle;
  if (found === undefined) {
    throw new Error('attenuate needs WebCrypto (crypto.subtle): a secure context (HTTPS or localhost) in a browser');
  }
  return found;
}

/** HMAC-SHA256 of `data` under the 32-byte `key`, with WebCrypto. */
async function hmac(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const crypto = subtle();
  const hmacKey = await crypto.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.sign('HMAC', hmacKey, data));
}

/** A fresh id for a one-time caveat: 16 random bytes, base64url. */
export function oneTimeId(): string {
  const id = new Uint8Array(ONCE_ID_BYTES);
  (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto.getRandomValues(id);
  return encodeBase64url(id);
}

function toCaveat(input: CaveatInput): Caveat {
  switch (input?.type) {
    case 'expires':
      return { type: 'expires', at: input.at instanceof Date ? input.at.getTime() : input.at };
    case 'once':
      return { type: 'once', id: input.id ?? oneTimeId() };
    default:
      return input as Caveat;
  }
}

/**
 * A weaker copy of an access token: `token` (itself plain or attenuated) with `caveats` appended, each chained into
 * the tag as `t = HMAC(t, caveat)`. No key and no server are needed, and nobody holding the result can take a
 * caveat off again. Caveats only narrow: the result is refused wherever `token` is, and wherever a caveat is not met.
 * A refresh token cannot be attenuated (TypeError); a caveat that cannot be written is a TypeError or RangeError.
 */
export async function attenuate(token: string, caveats: readonly CaveatInput[]): Promise<string> {
  const { bytes, layout } = decodeToken(token);
  if (bytes[OFFSET_PURPOSE] !== TokenPurpose.access) {
    throw new TypeError(
      bytes[OFFSET_PURPOSE] === TokenPurpose.refresh
        ? 'a refresh token cannot be attenuated: attenuate the access token'
        : 'not an access token',
    );
  }
  if (!Array.isArray(caveats) || caveats.length === 0) throw new TypeError('attenuate needs at least one caveat');
  const count = layout.caveatStarts.length + caveats.length;
  if (count > MAX_CAVEATS) {
    throw new RangeError(`a token carries at most ${MAX_CAVEATS} caveats; this one would carry ${count}`);
  }
  const added = caveats.map((input) => encodeCaveat(toCaveat(input)) as Uint8Array<ArrayBuffer>);
  const tagOffset = bytes.length - TAG_BYTES;
  let link = bytes.slice(tagOffset);
  for (const caveat of added) link = await hmac(link, caveat);
  const out = new Uint8Array(tagOffset + added.reduce((sum, caveat) => sum + 1 + caveat.length, 0) + TAG_BYTES);
  out.set(bytes.subarray(0, tagOffset));
  let at = tagOffset;
  for (const caveat of added) {
    out[at] = caveat.length;
    out.set(caveat, at + 1);
    at += 1 + caveat.length;
  }
  out.set(link, at);
  return ATTENUATED_PREFIX + encodeBase64url(out);
}
