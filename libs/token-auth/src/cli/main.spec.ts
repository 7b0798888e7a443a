import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { KeyRing } from '../keys/key-ring.js';
import { parseKeyRingText } from '../keys/key-ring-text.js';

interface Run {
  out: string;
  err: string;
  exitCode: number;
}

/** Runs the CLI entry point as `nestjs-token-auth <args>` would, capturing what it prints. */
async function cli(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  const error = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  const argv = process.argv;
  process.argv = [argv[0]!, 'nestjs-token-auth', ...args];
  try {
    await jest.isolateModulesAsync(async () => {
      await import('./main.js');
    });
    return { out: out.join('\n'), err: err.join('\n'), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.argv = argv;
    process.exitCode = undefined;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('nestjs-token-auth CLI', () => {
  let exitCode: typeof process.exitCode;

  beforeEach(() => {
    exitCode = process.exitCode;
  });

  afterEach(() => {
    process.exitCode = exitCode;
  });

  it('keygen prints a TOKEN_AUTH_KEYS line that parses back into a valid ring', async () => {
    const { out, exitCode } = await cli('keygen');
    expect(exitCode).toBe(0);
    const match = /^TOKEN_AUTH_KEYS=([\w-]+:[\w-]+)$/.exec(out);
    expect(match).not.toBeNull();
    const ring = KeyRing.from(parseKeyRingText(match![1]!, 'keygen output'));
    expect(ring.active.state).toBe('active');
    expect(Buffer.from(match![1]!.split(':')[1]!, 'base64url')).toHaveLength(32);
  });

  it('keygen makes a different key each time', async () => {
    const [a, b] = [await cli('keygen'), await cli('keygen')];
    expect(a.out).not.toBe(b.out);
  });

  it('keygen --json prints the JSON form, with createdAt, that parses back into a valid ring', async () => {
    const { out, exitCode } = await cli('keygen', '--json');
    expect(exitCode).toBe(0);
    const parsed = JSON.parse(out) as { keys: Array<{ id: string; state: string; createdAt: string }> };
    expect(parsed.keys).toHaveLength(1);
    expect(parsed.keys[0]).toMatchObject({ state: 'active' });
    expect(Number.isNaN(Date.parse(parsed.keys[0]!.createdAt))).toBe(false);
    const ring = KeyRing.from(parseKeyRingText(out, 'keygen --json output'));
    expect(ring.active.id).toBe(parsed.keys[0]!.id);
  });

  it('prints usage for --help, and fails with usage and status 2 on no command or an unknown command', async () => {
    expect(await cli('--help')).toMatchObject({
      out: '',
      exitCode: 0,
      err: expect.stringMatching(/^Usage: nestjs-token-auth [^]*keygen/),
    });
    expect(await cli()).toMatchObject({
      out: '',
      exitCode: 2,
      err: expect.stringMatching(/^error: a command is required\n\nUsage:/),
    });
    expect(await cli('keyggen')).toMatchObject({ out: '', exitCode: 2, err: expect.stringContaining('Usage:') });
  });
});
