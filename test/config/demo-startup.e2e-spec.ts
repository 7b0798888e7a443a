import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { deriveKeyId, formatCompactRing, generateKey } from 'nestjs-token-auth';

/** The compiled demo, as `npm start` runs it; `npm test` builds it first. */
const MAIN = resolve('dist/apps/demo/main.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the demo with only the given environment; it must exit on its own within 15 s. */
function runDemo(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DEMO_DB_PATH: ':memory:', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo kept running with bad configuration; output: ${stdout}${stderr}`));
    }, 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('the built demo with bad configuration', () => {
  it('is built (run "npm run build" first)', () => {
    expect(existsSync(MAIN)).toBe(true);
  });

  it('exits non-zero with one line saying what to fix when NODE_ENV=production and no key ring is set', async () => {
    const { code, stdout, stderr } = await runDemo({ NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/TOKEN_AUTH_KEYS is not set and NODE_ENV is production/);
    expect(lines[0]).toMatch(/keygen/);
  }, 20_000);

  it('exits non-zero with one line saying what to fix when the key is raw bytes, without printing the key', async () => {
    const key = randomBytes(32);
    const { code, stdout, stderr } = await runDemo({
      NODE_ENV: 'production',
      TOKEN_AUTH_KEYS: `${deriveKeyId(key)}:${key.toString('base64url')}`,
    });
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/the key is raw text, not a key text/);
    expect(lines[0]).toMatch(/npx nestjs-token-auth wrap/);
    expect(stderr).not.toContain(key.toString('base64url'));
  }, 20_000);

  it('exits non-zero with one line saying what to fix when TOKEN_AUTH_KEYS was cut at a comma', async () => {
    const ring = formatCompactRing([generateKey(), generateKey('verify-only'), generateKey('verify-only')]);
    const { code, stdout, stderr } = await runDemo({
      NODE_ENV: 'production',
      TOKEN_AUTH_KEYS: ring.slice(0, ring.lastIndexOf(',')),
    });
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/the key ring does not say how many keys it holds \(end it with ",n=3"\)/);
  }, 20_000);
});
