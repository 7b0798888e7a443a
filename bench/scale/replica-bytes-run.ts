/**
 * Memory per session revocation in an instance's replica, measured as the scale run measures it (section 4 of
 * scale-run.ts: SCALE_REVOCATIONS `revokeSession` calls through one RedisRevocationStore on a real redis-server,
 * the V8 heap used after two full collections, before and after), and over the same span the heap V8 reserved
 * (`heapTotal`) and the process's resident set (RSS), which also count what is allocated but not in use. Each run
 * is a fresh process (RSS never shrinks within one), REPLICA_BYTES_RUNS of them (default 5):
 * `npm run bench:replica-bytes`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { machine } from '../support/machine.js';
import { table } from '../support/markdown.js';
import { freePort, startRedis } from '../support/redis-server.js';

const REVOCATIONS = Number(process.env.SCALE_REVOCATIONS ?? 100_000);
const RUNS = Number(process.env.REPLICA_BYTES_RUNS ?? 5);
const BATCH = 1000;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

interface RunResult {
  heapPerRevocation: number;
  heapTotalPerRevocation: number;
  rssPerRevocation: number;
  entries: number;
}

/** One run, in this process: the measure of scale-run.ts section 4, plus RSS. */
async function child(): Promise<RunResult> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = () => {
    gc();
    gc();
    return process.memoryUsage();
  };
  const port = await freePort();
  const redis = await startRedis(port);
  try {
    const store = new RedisRevocationStore({ connection: `redis://127.0.0.1:${port}`, logger: silent });
    await store.start();
    const before = settle();
    const until = Date.now() + 3_600_000;
    const id = () => randomBytes(16).toString('base64url');
    for (let i = 0; i < REVOCATIONS; i += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, REVOCATIONS - i) }, () =>
          store.revokeSession(id(), { accessUntil: until, refreshUntil: until }),
        ),
      );
    }
    const after = settle();
    const entries = store.health().sessions;
    await store.onApplicationShutdown();
    return {
      heapPerRevocation: (after.heapUsed - before.heapUsed) / REVOCATIONS,
      heapTotalPerRevocation: (after.heapTotal - before.heapTotal) / REVOCATIONS,
      rssPerRevocation: (after.rss - before.rss) / REVOCATIONS,
      entries,
    };
  } finally {
    redis.client.disconnect();
    redis.child.kill('SIGKILL');
    await once(redis.child, 'exit');
  }
}

async function runChild(): Promise<RunResult> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`run exited with ${code}`);
  return JSON.parse(out) as RunResult;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(0)} (${sorted[0]!.toFixed(0)} to ${sorted.at(-1)!.toFixed(0)})`;
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(await child()));
} else {
  const results: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await runChild());
  const info = machine();
  console.log(
    `${RUNS} runs of ${REVOCATIONS.toLocaleString('en')} session revocations each, a fresh process per run; ` +
      `${info.date}, ${info.cores} cores, Node ${info.node}, load average ${info.load} at the start.\n`,
  );
  console.log(
    table(
      ['replica bytes per session revocation', 'median (min to max)', 'runs'],
      [
        [
          'V8 heap used, after two full collections (as scale-run.ts)',
          stats(results.map((r) => r.heapPerRevocation)),
          results.map((r) => r.heapPerRevocation.toFixed(0)).join(', '),
        ],
        [
          'V8 heap reserved (heapTotal) over the same span',
          stats(results.map((r) => r.heapTotalPerRevocation)),
          results.map((r) => r.heapTotalPerRevocation.toFixed(0)).join(', '),
        ],
        [
          'process RSS over the same span',
          stats(results.map((r) => r.rssPerRevocation)),
          results.map((r) => r.rssPerRevocation.toFixed(0)).join(', '),
        ],
      ],
    ),
  );
  if (results.some((r) => r.entries < REVOCATIONS)) console.log('\nWARNING: a replica held fewer entries than written');
}
