import { NestFactory } from '@nestjs/core';
import { generateKey, StaticKeyProvider, TOKEN_PREFIX, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import type { Random } from './random.js';

export interface TimingSeries {
  label: string;
  /** Median, first and third quartile of the per-batch mean, in nanoseconds per verify. */
  median: number;
  q1: number;
  q3: number;
}

export interface TimingResult {
  rounds: number;
  batch: number;
  first: TimingSeries;
  last: TimingSeries;
  control: TimingSeries;
  /** |median(first) - median(last)| / median(last). */
  relativeDifference: number;
  /** The difference the control (a token refused before any HMAC: wrong_purpose) makes, to show the method can see one. */
  controlDifference: number;
  bound: number;
  indistinguishable: boolean;
}

const BOUND = 0.05;

function forgeTag(token: string, tagByte: number): string {
  const bytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  bytes[bytes.length - 32 + tagByte]! ^= 0x01;
  return TOKEN_PREFIX + bytes.toString('base64url');
}

function summarize(label: string, samples: number[]): TimingSeries {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
  return { label, median: at(0.5), q1: at(0.25), q3: at(0.75) };
}

/**
 * Times `verify` on two forgeries of one token, whose tags differ from the right one in the first or in the last
 * byte. The batches interleave in random order, so drift in CPU speed hits both alike; medians resist outliers.
 */
export async function checkTiming(random: Random, rounds = 400, batch = 500): Promise<TimingResult> {
  const context = await NestFactory.createApplicationContext(
    TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]) }),
    { logger: false },
  );
  try {
    const tokens = context.get(TokenService);
    const token = tokens.issue('user-42', { claims: { roles: ['admin'] } }).token;
    const inputs = {
      first: forgeTag(token, 0),
      last: forgeTag(token, 31),
      // Another purpose (a refresh token's byte): refused as wrong_purpose before the HMAC, so measurably faster. A
      // key id the ring lacks no longer serves: it is hashed too, under a decoy key, to cost what a forgery does.
      control: (() => {
        const bytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
        bytes[1] = 0x02;
        return TOKEN_PREFIX + bytes.toString('base64url');
      })(),
    };
    const samples: Record<keyof typeof inputs, number[]> = { first: [], last: [], control: [] };
    const time = (input: string): number => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) {
        try {
          tokens.verify(input);
        } catch {
          // every input here is refused; only the time matters
        }
      }
      return Number(process.hrtime.bigint() - start) / batch;
    };
    for (const input of Object.values(inputs)) time(input); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = (['first', 'last', 'control'] as const).slice().sort(() => random.next() - 0.5);
      for (const name of order) samples[name].push(time(inputs[name]));
    }
    const first = summarize('tag differs in its first byte', samples.first);
    const last = summarize('tag differs in its last byte', samples.last);
    const control = summarize('control: another purpose (no HMAC)', samples.control);
    const relativeDifference = Math.abs(first.median - last.median) / last.median;
    return {
      rounds,
      batch,
      first,
      last,
      control,
      relativeDifference,
      controlDifference: Math.abs(control.median - last.median) / last.median,
      bound: BOUND,
      indistinguishable: relativeDifference < BOUND,
    };
  } finally {
    await context.close();
  }
}
