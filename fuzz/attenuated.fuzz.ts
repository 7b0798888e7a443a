import { NestFactory } from '@nestjs/core';
import { createHmac } from 'node:crypto';
import {
  generateKey,
  StaticKeyProvider,
  toHttpException,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
} from 'nestjs-token-auth';
import { attenuate, HTTP_METHODS, type CaveatInput } from 'nestjs-token-auth/client';
import { heapSnapshot, type MemoryReading } from './memory.js';
import type { Random } from './random.js';

/** The kinds of attenuated input: tampered real children, and authentic chains of random caveat bytes. */
export const ATTENUATED_KINDS = [
  'bit flip of a child',
  'caveat removed',
  'caveats reordered',
  'caveat duplicated',
  'caveat byte edited',
  'caveat spliced from another child',
  'random caveat bytes, chained',
  'random caveat bytes, not chained',
  'random length bytes',
  'real caveats, random request',
] as const;
export type AttenuatedKind = (typeof ATTENUATED_KINDS)[number];

export interface AttenuatedFuzzResult {
  inputs: number;
  /** Tampered or unchained inputs that verified: forgeries. */
  accepted: string[];
  /** Anything thrown but a TokenAuthError answered with 401. */
  crashes: string[];
  /** Authentic inputs accepted although a caveat is not met by the request (checked independently). */
  unmetAccepted: string[];
  byKind: Record<AttenuatedKind, number>;
  byCode: Record<string, number>;
  seconds: number;
  memory: MemoryReading[];
}

const PREFIX = 'nta1c.';
const PATHS = ['/', '/notes', '/notes/5', '/notes/50', '/notes/5/x', '/files/café', '/a b'];
const TARGETS = [...PATHS, '/notes/5/../6', '/notes/5%2F..', '/notes//5', '/notes/%35', '/NOTES/5', 'http://x/notes/5'];

function caveatInput(random: Random, now: number): CaveatInput {
  switch (random.int(4)) {
    case 0:
      return { type: 'expires', at: now + random.int(1_200_000) - 120_000 };
    case 1:
      return {
        type: 'methods',
        methods: HTTP_METHODS.filter(() => random.int(2) === 0)
          .concat('GET')
          .slice(0, 3),
      };
    case 2:
      return { type: 'path', prefix: random.pick(PATHS) };
    default:
      return { type: 'audience', audience: random.pick(['notes-api', 'billing']) };
  }
}

const decode = (token: string) => Buffer.from(token.slice(PREFIX.length), 'base64url');
function bodyLength(bytes: Buffer): number {
  const subject = bytes[55]!;
  return 56 + subject + 2 + bytes.readUInt16BE(56 + subject);
}
function caveatsOf(bytes: Buffer): Buffer[] {
  const list: Buffer[] = [];
  for (let at = bodyLength(bytes); at < bytes.length - 32; at += 1 + bytes[at]!) {
    list.push(bytes.subarray(at + 1, at + 1 + bytes[at]!));
  }
  return list;
}
function assemble(body: Buffer, caveats: Buffer[], tag: Buffer): string {
  const section = caveats.map((caveat) => Buffer.concat([Buffer.of(caveat.length & 0xff), caveat]));
  return PREFIX + Buffer.concat([body, ...section, tag]).toString('base64url');
}

/**
 * Runs `count` attenuated inputs through `TokenService.verify` with random request facts: children of real tokens
 * with their caveats tampered with (each must be refused), authentic chains of random caveat bytes (each must be
 * refused unless every caveat is one this version knows and the request meets it), and real children checked
 * against random requests.
 */
export async function fuzzAttenuated(random: Random, count: number): Promise<AttenuatedFuzzResult> {
  const context = await NestFactory.createApplicationContext(
    TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]), audience: 'notes-api' }),
    { logger: false },
  );
  try {
    const tokens = context.get(TokenService);
    const parents = Array.from({ length: 16 }, (_, i) => tokens.issue(`user-${i}`).token);
    const children: string[] = [];
    for (let i = 0; i < 64; i++) {
      const caveats = Array.from({ length: 1 + random.int(4) }, () => caveatInput(random, Date.now()));
      children.push(await attenuate(random.pick(parents), caveats));
    }
    const byKind = Object.fromEntries(ATTENUATED_KINDS.map((kind) => [kind, 0])) as Record<AttenuatedKind, number>;
    const byCode: Record<string, number> = {};
    const accepted: string[] = [];
    const crashes: string[] = [];
    const unmetAccepted: string[] = [];
    const memory: MemoryReading[] = [heapSnapshot('start')];
    const started = process.hrtime.bigint();
    for (let inputs = 0; inputs < count; inputs++) {
      const kind = random.pick(ATTENUATED_KINDS);
      byKind[kind]++;
      const child = random.pick(children);
      const bytes = decode(child);
      const body = bytes.subarray(0, bodyLength(bytes));
      const tag = bytes.subarray(bytes.length - 32);
      const caveats = caveatsOf(bytes);
      const at = random.int(caveats.length);
      let candidate: string;
      let authentic = false;
      switch (kind) {
        case 'bit flip of a child': {
          const flipped = Buffer.from(bytes);
          flipped[random.int(flipped.length)]! ^= 1 << random.int(8);
          candidate = PREFIX + flipped.toString('base64url');
          break;
        }
        case 'caveat removed':
          candidate = assemble(body, caveats.toSpliced(at, 1), tag);
          break;
        case 'caveats reordered':
          candidate = assemble(body, [...caveats.slice(at), ...caveats.slice(0, at)].reverse(), tag);
          break;
        case 'caveat duplicated':
          candidate = assemble(body, caveats.toSpliced(random.int(caveats.length + 1), 0, caveats[at]!), tag);
          break;
        case 'caveat byte edited': {
          const edited = caveats.map((caveat) => Buffer.from(caveat));
          edited[at]![random.int(edited[at]!.length)]! ^= 1 + random.int(255);
          candidate = assemble(body, edited, tag);
          break;
        }
        case 'caveat spliced from another child': {
          const other = caveatsOf(decode(random.pick(children)));
          candidate = assemble(body, caveats.toSpliced(at, 1, random.pick(other)), tag);
          break;
        }
        case 'random caveat bytes, chained':
        case 'random caveat bytes, not chained': {
          const parent = Buffer.from(random.pick(parents).slice('nta1.'.length), 'base64url');
          const list = Array.from({ length: 1 + random.int(8) }, () => random.bytes(1 + random.int(12)));
          let link: Buffer = parent.subarray(parent.length - 32);
          if (kind === 'random caveat bytes, chained') {
            for (const caveat of list) link = createHmac('sha256', link).update(caveat).digest();
            authentic = true;
          } else {
            link = random.bytes(32);
          }
          candidate = assemble(parent.subarray(0, parent.length - 32), list, link);
          break;
        }
        case 'random length bytes': {
          const section = random.bytes(random.int(40));
          candidate = PREFIX + Buffer.concat([body, section, tag]).toString('base64url');
          break;
        }
        default:
          candidate = child;
          authentic = true;
      }
      const request = { method: random.pick(HTTP_METHODS), path: random.pick(TARGETS), spendsOnce: true };
      try {
        const claims = tokens.verify(candidate, request);
        if (!authentic && candidate !== child) accepted.push(`${kind}: ${candidate.slice(0, 100)}`);
        // Independent of the verifier's own reading: an accepted token's request meets its caveats.
        const c = claims.caveats;
        const methodOk = c?.methods === undefined || c.methods.includes(request.method);
        const path = decodeURIComponent(request.path);
        const pathOk =
          c?.pathPrefix === undefined ||
          c.pathPrefix === '/' ||
          path === c.pathPrefix ||
          path.startsWith(`${c.pathPrefix}/`);
        const audienceOk = c?.audience === undefined || c.audience === 'notes-api';
        if (!methodOk || !pathOk || !audienceOk) unmetAccepted.push(`${kind}: ${JSON.stringify(request)}`);
      } catch (error) {
        if (error instanceof TokenAuthError && toHttpException(error).getStatus() === 401) {
          byCode[error.code] = (byCode[error.code] ?? 0) + 1;
        } else {
          crashes.push(`${kind}: ${String(error)}`);
        }
      }
      if ((inputs + 1) % Math.ceil(count / 10) === 0) {
        memory.push(heapSnapshot(`${(inputs + 1).toLocaleString('en')} inputs`));
      }
    }
    return {
      inputs: count,
      accepted,
      crashes,
      unmetAccepted,
      byKind,
      byCode,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      memory,
    };
  } finally {
    await context.close();
  }
}
