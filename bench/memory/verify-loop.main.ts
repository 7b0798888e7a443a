import 'reflect-metadata';
import { benchKeys, createTokenAuth, ROLES, SUBJECT } from '../support/fixtures.js';

/** What the child reports: memory after a full GC, before and after the loop. */
export interface MemoryReport {
  verifications: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  seconds: number;
}

function settled(): NodeJS.MemoryUsage {
  globalThis.gc!();
  globalThis.gc!();
  return process.memoryUsage();
}

/**
 * Runs N verifications of one token in a fresh process started with --expose-gc, reading memory after a full GC
 * before and after. Started by memory.bench.ts with N as argument; reports over IPC.
 */
async function main(verifications: number): Promise<void> {
  if (typeof globalThis.gc !== 'function') throw new Error('start with --expose-gc');
  const auth = await createTokenAuth(benchKeys());
  const { token } = auth.tokens.issue(SUBJECT, { claims: { roles: ROLES } });
  for (let i = 0; i < 10_000; i++) auth.tokens.verify(token);
  const before = settled();
  const started = process.hrtime.bigint();
  let subjects = 0;
  for (let i = 0; i < verifications; i++) subjects += auth.tokens.verify(token).sub.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = settled();
  if (subjects !== verifications * SUBJECT.length) throw new Error('verification returned the wrong subject');
  await auth.close();
  const report: MemoryReport = { verifications, before, after, seconds };
  process.send!(report);
  process.disconnect();
}

await main(Number(process.argv[2]));
