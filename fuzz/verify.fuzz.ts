import { NestFactory } from '@nestjs/core';
import {
  generateKey,
  KeyRing,
  StaticKeyProvider,
  TokenAuthError,
  TokenAuthModule,
  TokenService,
} from 'nestjs-token-auth';
import { CANDIDATE_KINDS, CandidateGenerator, type CandidateKind } from './candidates.js';
import { heapSnapshot, type MemoryReading } from './memory.js';
import type { Random } from './random.js';

export interface VerifyFuzzResult {
  inputs: number;
  accepted: string[];
  crashes: string[];
  byKind: Record<CandidateKind, number>;
  byCode: Record<string, number>;
  slowestCallMs: number;
  slowestKind: string;
  seconds: number;
  memory: MemoryReading[];
}

const SUBJECTS = ['1', 'user-42', 'alice@example.com', 'ünïcödé', '\u{1F600}\u{1F680}', 'x'.repeat(255), '管理者'];
const CLAIMS = [
  undefined,
  { roles: ['admin'] },
  { tenant: 't-1', scopes: ['notes:read', 'notes:write'] },
  { n: 'é'.repeat(300) },
];

/** Runs `count` mutated and random tokens through `TokenService.verify` of a real module. */
export async function fuzzVerify(random: Random, count: number): Promise<VerifyFuzzResult> {
  const keys = [generateKey(), generateKey('verify-only')];
  const context = await NestFactory.createApplicationContext(
    TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider(keys) }),
    { logger: false },
  );
  try {
    const tokens = context.get(TokenService);
    const valid: string[] = [];
    for (let i = 0; i < 64; i++) {
      valid.push(tokens.issue(random.pick(SUBJECTS), { claims: random.pick(CLAIMS) }).token);
    }
    const validSet = new Set(valid);
    for (const token of valid) tokens.verify(token);
    const { active } = KeyRing.from(keys);
    const generator = new CandidateGenerator(random, valid, active.keyIdBytes, active.macKeys.access);

    const byKind = Object.fromEntries(CANDIDATE_KINDS.map((kind) => [kind, 0])) as Record<CandidateKind, number>;
    const byCode: Record<string, number> = {};
    const accepted: string[] = [];
    const crashes: string[] = [];
    const memory: MemoryReading[] = [heapSnapshot('start')];
    let slowest = 0n;
    let slowestKind = '';
    const started = process.hrtime.bigint();
    for (let inputs = 0; inputs < count;) {
      const kind = generator.kind();
      const candidate = generator.make(kind);
      if (validSet.has(candidate)) continue; // a mutation that changed nothing is not an input
      inputs++;
      byKind[kind]++;
      const before = process.hrtime.bigint();
      try {
        tokens.verify(candidate);
        accepted.push(`${kind}: ${candidate.slice(0, 80)}`);
      } catch (error) {
        if (error instanceof TokenAuthError) byCode[error.code] = (byCode[error.code] ?? 0) + 1;
        else crashes.push(`${kind}: ${String(error)}`);
      }
      const took = process.hrtime.bigint() - before;
      if (took > slowest) {
        slowest = took;
        slowestKind = kind;
      }
      if (inputs % Math.ceil(count / 10) === 0) memory.push(heapSnapshot(`${inputs.toLocaleString('en')} inputs`));
    }
    return {
      inputs: count,
      accepted,
      crashes,
      byKind,
      byCode,
      slowestCallMs: Number(slowest) / 1e6,
      slowestKind,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      memory,
    };
  } finally {
    await context.close();
  }
}
