import 'reflect-metadata';
import { benchKeys, createTokenAuth, ROLES, SUBJECT } from '../support/fixtures.js';

/** What the child reports: memory after a full GC at three points, and the RSS after every tenth of the loop. */
export interface MemoryReport {
  verifications: number;
  distinctTokens: number;
  /** Verifications before `before`. */
  warmup: number;
  /** Every token issued, none verified. */
  fresh: NodeJS.MemoryUsage;
  /** After the warm-up, a pass over the tokens: the cache full, the process at its working size. */
  before: NodeJS.MemoryUsage;
  /** After the loop. */
  after: NodeJS.MemoryUsage;
  /** RSS over `before`, after each tenth of the loop. */
  rssSteps: number[];
}

/** Passes over the tokens before the loop: in one the cache fills and V8 grows its young generation. */
const WARMUP_PASSES = 1;

/**
 * Memory after two full GCs and a pause: V8 gives the pages a collection freed back to the system from another
 * thread, and a reading taken at once was up to 18 MB above where RSS settles a few hundred milliseconds later.
 */
async function settled(): Promise<NodeJS.MemoryUsage> {
  globalThis.gc!();
  globalThis.gc!();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return process.memoryUsage();
}

/**
 * Runs 2D verifications (a pass over the D distinct tokens, each twice), then N more alike, in a fresh process started
 * with --expose-gc, with the library's defaults (the verified-token cache at its default size). Memory is read
 * after a full GC once the tokens are issued, after the warm-up and after the loop: fresh to after is what
 * the full cache holds; before to after is anything a process at its working size keeps growing by. Started by
 * memory.bench.ts with N and D as arguments; reports over IPC.
 */
async function main(verifications: number, distinctTokens: number): Promise<void> {
  if (typeof globalThis.gc !== 'function') throw new Error('start with --expose-gc');
  const auth = await createTokenAuth(benchKeys());
  const tokens = Array.from(
    { length: distinctTokens },
    () => auth.tokens.issue(SUBJECT, { claims: { roles: ROLES } }).token,
  );
  let subjects = 0;
  // Each token twice in a row, as a client sends one token on several requests: the second verification caches it.
  const verify = (from: number, to: number) => {
    for (let i = from; i < to; i++) subjects += auth.tokens.verify(tokens[(i >> 1) % distinctTokens]!).sub.length;
  };
  const fresh = await settled();
  const warmup = WARMUP_PASSES * 2 * distinctTokens;
  verify(0, warmup);
  const before = await settled();
  const rssSteps: number[] = [];
  for (let step = 1; step <= 10; step++) {
    verify(warmup + Math.floor(((step - 1) * verifications) / 10), warmup + Math.floor((step * verifications) / 10));
    rssSteps.push((await settled()).rss - before.rss);
  }
  const after = await settled();
  // Read after the last reading, so the tokens are live in every one and only what verification keeps differs.
  if (subjects !== (warmup + verifications) * SUBJECT.length || tokens.length !== distinctTokens) {
    throw new Error('verification returned the wrong subject');
  }
  await auth.close();
  const report: MemoryReport = { verifications, distinctTokens, warmup, fresh, before, after, rssSteps };
  process.send!(report);
  process.disconnect();
}

await main(Number(process.argv[2]), Number(process.argv[3]));
