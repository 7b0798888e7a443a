import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BUILT_MAIN = fileURLToPath(new URL('../../../dist/apps/demo/main.js', import.meta.url));

/** `npm test` builds first; a lone `npx jest` run builds here if the compiled demo is missing. */
export async function ensureBuilt(): Promise<void> {
  if (!existsSync(BUILT_MAIN)) await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT });
}

/** This process's environment without anything the demo reads, plus `env`: "no configuration at all". */
export function cleanEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['NODE_ENV', 'PORT', 'HOST', 'TOKEN_AUTH_KEYS', 'ACCESS_TOKEN_TTL', 'LOGIN_RATE_LIMIT']) {
    delete clean[name];
  }
  for (const name of Object.keys(clean)) if (name.startsWith('DEMO_')) delete clean[name];
  return { ...clean, NO_COLOR: '1', ...env };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The compiled demo (`node dist/apps/demo/main.js`) as a child process, with its output collected. */
export class BuiltDemo {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;

  constructor(env: NodeJS.ProcessEnv, cwd: string) {
    this.process = spawn(process.execPath, [BUILT_MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The URL from the "listening on" log line; rejects if the process exits first. */
  listening(): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = /listening on (http:\/\/\S+)/.exec(this.stdout);
        if (match) {
          this.process.stdout!.off('data', check);
          resolve(match[1]!);
        }
      };
      this.process.stdout!.on('data', check);
      void this.exited.then(({ code, signal }) =>
        reject(
          new Error(`demo exited (code ${code}, signal ${signal}) before listening:\n${this.stdout}${this.stderr}`),
        ),
      );
      check();
    });
  }

  /** Makes sure the process is gone, whatever the test did. */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
  }
}
