import { execFile, execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The valgrind version, or undefined when valgrind or callgrind_control is not installed. */
export function valgrindVersion(): string | undefined {
  try {
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return execFileSync('valgrind', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * A Node script running under `valgrind --tool=callgrind`, one IPC channel to it, and its counts read by
 * dumping: each `dump()` returns the instructions the process's main thread executed since the previous one.
 * The script runs with `--single-threaded-gc`, so every garbage collection runs on that thread and is counted;
 * what is left on other threads is V8's optimizing compiler (a one-off per function, which lands in whichever
 * count is running when it does, and made counts of the same work differ by up to a tenth) and Node's idle
 * platform threads. Children of the script are not traced.
 */
export class CallgrindProcess {
  private dumps = 0;

  private constructor(
    readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(
    script: string,
    args: readonly string[],
    nodeFlags: readonly string[] = [],
  ): Promise<{ process: CallgrindProcess; ready: unknown }> {
    const dir = mkdtempSync(join(tmpdir(), 'nta-callgrind-'));
    const child = fork(script, args, {
      execPath: 'valgrind',
      execArgv: [
        '--tool=callgrind',
        '--dump-instr=no',
        // Every dump file names its functions in full, so callgrind_annotate can read any one of them alone.
        '--compress-strings=no',
        '--trace-children=no',
        // One file per thread per dump: the main thread's is the one ending in -01.
        '--separate-threads=yes',
        `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
        process.execPath,
        '--expose-gc',
        // It starts collections on a wall-clock timer after a full GC: under callgrind, and more so on a busy
        // machine, a count of 2n calls would take in more of them than a count of n.
        '--no-memory-reducer',
        '--single-threaded-gc',
        ...nodeFlags,
      ],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const [ready] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) =>
        Promise.reject(new Error(`callgrind child exited with code ${code}: ${stderr}`)),
      ),
    ])) as [unknown];
    return { process: new CallgrindProcess(child, dir), ready };
  }

  /** Sends a message and waits for the reply. */
  async ask<T>(message: object): Promise<T> {
    const reply = once(this.child, 'message') as Promise<[T]>;
    this.child.send(message);
    return (await reply)[0];
  }

  /** Instructions the main thread executed since the last dump (or the start). */
  async dump(): Promise<number> {
    await promisify(execFile)('callgrind_control', ['--dump', String(this.child.pid)]);
    this.dumps++;
    const file = join(this.dir, `callgrind.out.${this.dumps}-01`);
    const summary = /^summary:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
    if (summary === null) throw new Error(`no summary line in ${file}`);
    return Number(summary[1]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Copies the dump files written so far into `target` (created), for callgrind_annotate. */
  copyDumps(target: string): void {
    mkdirSync(target, { recursive: true });
    for (const file of this.files()) copyFileSync(join(this.dir, file), join(target, file));
  }

  /** Dump files written so far: one per dump, and the last at exit. */
  files(): string[] {
    return readdirSync(this.dir);
  }
}

/** What a process under count answers to `SETTLE`: an empty young generation, so each count starts alike. */
export const SETTLE = { settle: true } as const;

/**
 * Empties the young generation (a scavenge) when started with --expose-gc, the handler of `SETTLE`. Not a full
 * GC: that clears the weak references optimized code holds, V8 throws away the code of the functions under count
 * (node:crypto's Hmac among them) and each count would then run them unoptimized for a while. Major GCs the work
 * causes fall in the counts in proportion to it, over counts long enough to hold several.
 */
export async function settle(): Promise<void> {
  (globalThis.gc as ((options: { type: 'minor' }) => void) | undefined)?.({ type: 'minor' });
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Instructions each count of n units should hold at least, so what the process does besides them is noise. */
const COUNT_TARGET = 25_000_000;

/**
 * Instructions per unit of work by the method of this bench. Warm-up: `warmup` units, counted once to choose n so
 * that n units take about 25 million instructions (at least `minimum`). Then, `repeats` times: settle, dump,
 * n units, dump; settle, dump, 2n units, dump; the difference of the two counts is what n units cost, with
 * everything the process does besides them (IPC, the dump itself) cancelled out. The figure is the median (the mean of two).
 */
export async function perUnit(
  process: CallgrindProcess,
  run: (units: number) => Promise<void>,
  { warmup, minimum, maximum, repeats = 1 }: { warmup: number; minimum: number; maximum: number; repeats?: number },
): Promise<{ perUnit: number; spread: number; n: number }> {
  const counted = async (units: number) => {
    await process.ask(SETTLE);
    await process.dump();
    await run(units);
    return process.dump();
  };
  const estimate = (await counted(warmup)) / warmup;
  const n = Math.max(minimum, Math.min(maximum, Math.round(COUNT_TARGET / estimate)));
  const figures: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const single = await counted(n);
    const double = await counted(2 * n);
    figures.push((double - single) / n);
  }
  figures.sort((a, b) => a - b);
  const median = figures.length % 2 ? figures[figures.length >> 1]! : (figures[0]! + figures.at(-1)!) / 2;
  return { perUnit: median, spread: (figures.at(-1)! - figures[0]!) / median, n };
}
