import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readToken } from '../client/attenuate.js';
import { encodeToken } from '../format/token-codec.js';
import { generateKey } from '../keys/generate-key.js';
import { deriveKeyId, KeyRing } from '../keys/key-ring.js';
import { parseKeyRingText } from '../keys/key-ring-text.js';
import { formatKeyText } from '../keys/key-text.js';

interface Run {
  out: string;
  err: string;
  exitCode: number;
}

/** Runs the CLI entry point as `nestjs-token-auth <args>` would, capturing what it prints. */
async function cli(...args: string[]): Promise<Run> {
  return cliWith({}, ...args);
}

async function cliWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  const error = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  const argv = process.argv;
  process.argv = [argv[0]!, 'nestjs-token-auth', ...args];
  try {
    await jest.isolateModulesAsync(async () => {
      await (
        await import('./main.js')
      ).done;
    });
    return { out: out.join('\n'), err: err.join('\n'), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    for (const name of Object.keys(env)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
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

  it('keygen prints a TOKEN_AUTH_KEYS line, a key text with its count, that parses back into a valid ring', async () => {
    const { out, exitCode } = await cli('keygen');
    expect(exitCode).toBe(0);
    const match = /^TOKEN_AUTH_KEYS=([\w-]{12}):(nta-key-v1\.[\w-]{43}\.[\w-]{8}),n=1$/.exec(out);
    expect(match).not.toBeNull();
    const ring = KeyRing.from(parseKeyRingText(out.slice('TOKEN_AUTH_KEYS='.length), 'keygen output'));
    expect(ring.active).toMatchObject({ id: match![1], state: 'active', raw: false });
  });

  it('keygen makes a different key each time', async () => {
    const [a, b] = [await cli('keygen'), await cli('keygen')];
    expect(a.out).not.toBe(b.out);
  });

  it('keygen --json prints the JSON form, with createdAt, that parses back into a valid ring', async () => {
    const { out, exitCode } = await cli('keygen', '--json');
    expect(exitCode).toBe(0);
    const parsed = JSON.parse(out) as {
      count: number;
      keys: Array<{ id: string; key: string; state: string; createdAt: string }>;
    };
    expect(parsed.count).toBe(1);
    expect(parsed.keys).toHaveLength(1);
    expect(parsed.keys[0]).toMatchObject({ state: 'active', key: expect.stringMatching(/^nta-key-v1\./) });
    expect(Number.isNaN(Date.parse(parsed.keys[0]!.createdAt))).toBe(false);
    const ring = KeyRing.from(parseKeyRingText(out, 'keygen --json output'));
    expect(ring.active.id).toBe(parsed.keys[0]!.id);
  });

  describe('wrap', () => {
    const bytes = [randomBytes(32), randomBytes(32)];
    const ids = bytes.map((key) => deriveKeyId(key));
    const rawRing = bytes.map((key, i) => `${ids[i]}:${key.toString('base64url')}`).join(',');

    it('converts a raw compact ring in a variable to key texts with its count, ids unchanged', async () => {
      const run = await cliWith({ OLD_KEYS: rawRing }, 'wrap', '--env', 'OLD_KEYS');
      expect(run.exitCode).toBe(0);
      expect(run.out).toBe(`OLD_KEYS=${ids[0]}:${formatKeyText(bytes[0]!)},${ids[1]}:${formatKeyText(bytes[1]!)},n=2`);
      expect(run.err).toBe(
        `env OLD_KEYS: converted "${ids[0]}", "${ids[1]}" to key texts (ids unchanged); the count written is 2 ` +
          `(${ids[0]}, ${ids[1]}): check that these are all the keys of the ring`,
      );
      const ring = KeyRing.from(parseKeyRingText(run.out.slice('OLD_KEYS='.length), 'wrapped'));
      expect(ring.keys.map((key) => [key.id, key.raw])).toEqual([
        [ids[0], false],
        [ids[1], false],
      ]);
    });

    it('converts a JSON ring file, keeping its other fields', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nta-wrap-'));
      try {
        const path = join(dir, 'keys.json');
        const keys = bytes.map((key, i) => ({
          id: ids[i],
          key: key.toString('base64'),
          state: i === 0 ? 'active' : 'verify-only',
          createdAt: '2026-01-01T00:00:00.000Z',
          ...(i === 1 && { retireAfter: '2026-03-01T00:00:00.000Z' }),
        }));
        await writeFile(path, JSON.stringify({ keys }));
        const run = await cli('wrap', '--file', path);
        expect(run.exitCode).toBe(0);
        expect(JSON.parse(run.out)).toEqual({
          count: 2,
          keys: keys.map((key, i) => ({ ...key, key: formatKeyText(bytes[i]!) })),
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a key that fails the randomness check, saying why and never printing a ring', async () => {
      const passphrase = Buffer.from('Grüße aus München, Passwort 2024!', 'latin1');
      const text = `${deriveKeyId(passphrase)}:${passphrase.toString('base64url')}`;
      const run = await cliWith({ OLD_KEYS: text }, 'wrap', '--env', 'OLD_KEYS');
      expect(run).toMatchObject({ out: '', exitCode: 1 });
      expect(run.err).toMatch(
        /^error: TokenAuthConfigError: key "[\w-]+": the key bytes are text in a one-byte encoding/,
      );
    });

    it('leaves key texts as they are and adds the count', async () => {
      const key = generateKey();
      const run = await cliWith({ KEYS: `${key.id}:${key.key}` }, 'wrap', '--env', 'KEYS');
      expect(run.out).toBe(`KEYS=${key.id}:${key.key},n=1`);
      expect(run.err).toBe(
        `env KEYS: every key is already a key text; the count written is 1 (${key.id}): check that these are all ` +
          'the keys of the ring',
      );
    });

    it('needs exactly one of --env and --file', async () => {
      expect(await cli('wrap')).toMatchObject({
        exitCode: 2,
        err: expect.stringContaining('--env VAR or --file PATH'),
      });
      expect(await cliWith({ UNSET_FOR_WRAP: '' }, 'wrap', '--env', 'UNSET_FOR_WRAP')).toMatchObject({
        exitCode: 2,
        err: expect.stringContaining('--env UNSET_FOR_WRAP: the variable is not set'),
      });
    });
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

  it('attenuate prints the token narrowed by its options, and says what is wrong with a refresh token', async () => {
    const fields = {
      keyId: randomBytes(9),
      tokenId: randomBytes(16),
      sessionId: randomBytes(16),
      issuedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
      subject: 'user-42',
      claims: '',
    };
    const key = createSecretKey(randomBytes(32));
    const access = encodeToken({ ...fields, purpose: 'access' }, key);
    const run = await cli('attenuate', access, '--methods', 'GET', '--path', '/notes/5');
    expect(run).toMatchObject({ exitCode: 0, out: expect.stringMatching(/^nta1c\.[\w-]+$/) });
    expect(readToken(run.out).caveats).toMatchObject({ methods: ['GET'], pathPrefix: '/notes/5' });
    const refused = await cli('attenuate', encodeToken({ ...fields, purpose: 'refresh' }, key), '--once');
    expect(refused).toMatchObject({ exitCode: 2, err: expect.stringMatching(/refresh token cannot be attenuated/) });
    expect((await cli('--help')).err).toMatch(/attenuate \[TOKEN\]/);
  });
});
