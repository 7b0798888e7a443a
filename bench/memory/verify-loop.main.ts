import 'reflect-metadata';
import { benchKeys, createTokenAuth, ROLES, SUBJECT } from '../support/fixtures.js';

/** What the child reports: memory after a full GC, before and after the loop. */
export interface MemoryReport {
  verifications: number;
  distinctTokens: number;
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
 * Runs N verifications, round robin over D distinct tokens, in a fresh process started with --expose-gc, with
 * the library's defaults (the verified-token cache at its default size). Memory is read after a full GC once the
 * tokens are issued, before any is verified, and after the loop: the growth is what the cache holds plus anything
 * verification leaks. Started by memory.bench.ts with N and D as arguments; reports over IPC.
 */
async function main(verifications: number, distinctTokens: number): Promise<void> {
  if (typeof globalThis.gc !== 'function') throw new Error('start with --expose-gc');
  const auth = await createTokenAuth(benchKeys());
  const tokens = Array.from({ length: distinctTokens }, () => auth.tokens.issue(SUBJECT, { claims: { roles: ROLES } }).token);
  const before = settled();
  const started = process.hrtime.bigint();
  let subjects = 0;
  for (let i = 0; i < verifications; i++) subjects += auth.tokens.verify(tokens[i % distinctTokens]!).sub.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = settled();
  // Read after the last reading, so the tokens are live in both and only what verification keeps differs.
  if (subjects !== verifications * SUBJECT.length || tokens.length !== distinctTokens) {
    throw new Error('verification returned the wrong subject');
  }
  await auth.close();
  const report: MemoryReport = { verifications, distinctTokens, before, after, seconds };
  process.send!(report);
  process.disconnect();
}

await main(Number(process.argv[2]), Number(process.argv[3]));
