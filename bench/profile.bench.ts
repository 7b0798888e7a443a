import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchOptions } from './support/bench-options.js';
import { table } from './support/markdown.js';

const TOP = 14;

type Operation = 'verify' | 'issue';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** The JavaScript functions of one createHmac().update().digest(); everything they call counts as HMAC too. */
const HMAC_FUNCTIONS = new Set(['createHmac', 'Hmac', 'update', 'digest']);

function isHmac({ functionName, url }: CallFrame): boolean {
  return HMAC_FUNCTIONS.has(functionName) && (url === 'node:crypto' || url === 'node:internal/crypto/hash');
}

function frameName({ functionName, url, lineNumber }: CallFrame): string {
  const name = functionName || '(anonymous)';
  if (!url) return `${name} (native)`;
  const ours = url.indexOf('/libs/token-auth/');
  const file = ours >= 0 ? url.slice(ours + 1) : url.replace(/^.*node_modules\//, '');
  return `${name} (${file}:${lineNumber + 1})`;
}

/**
 * Self time per function, counting only samples taken inside `TokenService.<operation>`: module loading and
 * bootstrap are left out, the operation's whole cost is in.
 */
function selfTimeWithin(profile: CpuProfile, operation: Operation): { name: string; hmac: boolean; percent: number }[] {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  /** Whether a node runs inside the operation, and inside its HMAC, by walking up its callers (memoized). */
  const memo = new Map<number, { inside: boolean; hmac: boolean }>();
  const where = (id: number): { inside: boolean; hmac: boolean } => {
    let known = memo.get(id);
    if (known === undefined) {
      const { callFrame } = byId.get(id)!;
      const up = parent.get(id);
      const caller = up === undefined ? { inside: false, hmac: false } : where(up);
      const isOperation = callFrame.functionName === operation && callFrame.url.endsWith('/token.service.js');
      known = { inside: caller.inside || isOperation, hmac: caller.hmac || isHmac(callFrame) };
      memo.set(id, known);
    }
    return known;
  };
  const byName = new Map<string, { hmac: boolean; time: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { inside, hmac } = where(id);
    if (!inside) return;
    const time = profile.timeDeltas[i] ?? 0;
    const name = frameName(byId.get(id)!.callFrame);
    const entry = byName.get(name) ?? { hmac, time: 0 };
    entry.time += time;
    byName.set(name, entry);
    total += time;
  });
  return [...byName]
    .map(([name, { hmac, time }]) => ({ name, hmac, percent: (100 * time) / total }))
    .sort((a, b) => b.percent - a.percent);
}

async function profile(operation: Operation, calls: number): Promise<CpuProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'nta-profile-'));
  try {
    const script = fileURLToPath(new URL('./profile/hot-path.main.js', import.meta.url));
    await promisify(execFile)(process.execPath, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      script,
      operation,
      String(calls),
    ]);
    const [file] = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
    return JSON.parse(await readFile(join(dir, file!), 'utf8')) as CpuProfile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A V8 CPU profile of `verify` and of `issue` in a loop: how much of the operation is the HMAC itself, and what
 * the rest costs, function by function.
 */
export async function run({ quick }: BenchOptions): Promise<string> {
  const calls = quick ? 20_000 : 1_000_000;
  const sections = [
    '## Profile of the hot paths',
    '',
    `\`node --cpu-prof dist/bench/profile/hot-path.main.js <verify|issue> ${calls}\` ` +
      '(`bench/profile/hot-path.main.ts`). Self time per function, counting only the samples taken inside ' +
      `\`TokenService.verify\` or \`.issue\` (bootstrap left out), top ${TOP}. The HMAC is everything under ` +
      '`createHmac`, `Hmac`, `update` and `digest`, marked (HMAC). If it takes a share s of the ' +
      "operation, the operation costs about 1/s times the floor; the profiler's own overhead on short JavaScript " +
      'functions makes this estimate a little pessimistic.',
  ];
  for (const operation of ['verify', 'issue'] as const) {
    const times = selfTimeWithin(await profile(operation, calls), operation);
    const hmac = times.filter((t) => t.hmac).reduce((sum, t) => sum + t.percent, 0);
    const rows = times
      .slice(0, TOP)
      .map(({ name, hmac: isHmacFrame, percent }) => [
        `\`${name}\`${isHmacFrame ? ' (HMAC)' : ''}`,
        `${percent.toFixed(1)}%`,
      ]);
    sections.push(
      '',
      `### \`TokenService.${operation}\``,
      '',
      `The HMAC takes ${hmac.toFixed(1)}% of the operation: about ${(100 / hmac).toFixed(2)}x the floor.`,
      '',
      table(['function', 'self time'], rows),
    );
  }
  return sections.join('\n');
}
