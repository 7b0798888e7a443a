import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { FileKeyProvider } from './file.key-provider.js';
import { KeyRingManager } from './key-ring-manager.js';
import { Logger } from '@nestjs/common';
import { generateKey } from './generate-key.js';
import type { KeySpec } from './key-ring.js';
import { formatCompactRing } from './key-ring-text.js';

interface Ring {
  text: string;
  keys: (KeySpec & { key: string })[];
}

/** A ring JSON text with its count, and its keys (the first active). */
function ringOf(...states: ('active' | 'verify-only')[]): Ring {
  const keys = states.map((state) => generateKey(state));
  return { text: JSON.stringify({ count: keys.length, keys }), keys };
}

/** The ring after a new key became active, the old ones kept verify-only: a reload that loses no key in use. */
function successor(ring: Ring): Ring {
  const keys = [generateKey('active'), ...ring.keys.map((key) => ({ ...key, state: 'verify-only' as const }))];
  return { text: JSON.stringify({ count: keys.length, keys }), keys };
}

/** Collects what the key ring manager logs, to check it never holds key bytes. */
class CapturingLogger extends Logger {
  readonly lines: string[] = [];

  constructor() {
    super('TokenAuth');
  }

  override error(message: unknown): void {
    this.lines.push(String(message));
  }

  override warn(message: unknown): void {
    this.lines.push(String(message));
  }

  override log(message: unknown): void {
    this.lines.push(String(message));
  }
}

/** Waits until `check` returns true, polling (the provider watches real files); fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const managers: KeyRingManager[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const manager of managers.splice(0)) manager.onModuleDestroy();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'token-keys-'));
  dirs.push(dir);
  return dir;
}

function manager(provider: FileKeyProvider, logger = new CapturingLogger()): KeyRingManager {
  const m = new KeyRingManager(provider, logger);
  managers.push(m);
  return m;
}

/** Lays out a directory as the kubelet does for a secret volume: keys.json -> ..data/keys.json, ..data -> ..<ts>. */
class SecretVolume {
  private generation = 0;
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, 'keys.json');
  }

  async write(text: string, first = false): Promise<void> {
    const version = `..2026_11_29_00_00_00.${++this.generation}`;
    await mkdir(join(this.dir, version));
    await writeFile(join(this.dir, version, 'keys.json'), text);
    await symlink(version, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (first) await symlink(join('..data', 'keys.json'), this.path);
  }
}

describe('FileKeyProvider', () => {
  it('reloads when the kubelet swaps the ..data symlink, without waiting for the poll', async () => {
    const volume = new SecretVolume(await tempDir());
    const first = ringOf('active');
    await volume.write(first.text, true);
    const m = manager(new FileKeyProvider({ path: volume.path, pollInterval: 3600 }));
    await m.start();
    expect(m.current.active.id).toBe(first.keys[0]!.id);

    const second = successor(first);
    await volume.write(second.text);
    await until(() => m.current.active.id === second.keys[0]!.id, 5000, 'the swapped ring');
    expect(m.health().source).toBe(`file ${volume.path}`);
  });

  it('reloads a file rewritten in place', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ring.json');
    const first = ringOf('active');
    await writeFile(path, first.text);
    const m = manager(new FileKeyProvider({ path, pollInterval: 3600 }));
    await m.start();
    const next = successor(first);
    await writeFile(path, next.text);
    await until(() => m.current.active.id === next.keys[0]!.id, 5000, 'the rewritten ring');
    expect(m.current.active.id).toBe(next.keys[0]!.id);
  });

  it('keeps the last good ring when the new file is invalid, and logs why without key bytes', async () => {
    const volume = new SecretVolume(await tempDir());
    const first = ringOf('active');
    await volume.write(first.text, true);
    const logger = new CapturingLogger();
    const m = manager(new FileKeyProvider({ path: volume.path, pollInterval: 3600 }), logger);
    await m.start();
    const invalid = ringOf('active', 'active');
    invalid.keys.push(first.keys[0]!);
    await volume.write(invalid.text);
    await until(() => m.health().lastError !== undefined, 5000, 'the failed reload');
    expect(m.current.active.id).toBe(first.keys[0]!.id);
    expect(m.health().lastError?.message).toContain('2 active keys');
    for (const key of [...first.keys, ...invalid.keys]) expect(logger.lines.join('\n')).not.toContain(key.key);
  });

  it('polls as a safety net when no change event arrives', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ring.json');
    const first = ringOf('active');
    await writeFile(path, first.text);
    const provider = new FileKeyProvider({ path, pollInterval: 0.1 });
    // As on a file system that reports no events.
    Object.defineProperty(provider, 'watch', { value: undefined });
    const m = manager(provider);
    await m.start();
    const next = successor(first);
    await writeFile(path, next.text);
    await until(() => m.current.active.id === next.keys[0]!.id, 5000, 'the polled ring');
    expect(m.current.active.id).toBe(next.keys[0]!.id);
  });

  it('keeps the last good ring when the file is cut short or loses a key, and logs which key', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ring.txt');
    const keys = [generateKey('active'), generateKey('verify-only'), generateKey('verify-only')];
    const whole = formatCompactRing(keys);
    await writeFile(path, whole);
    const logger = new CapturingLogger();
    const m = manager(new FileKeyProvider({ path, pollInterval: 3600 }), logger);
    await m.start();
    expect(m.current.keys).toHaveLength(3);

    await writeFile(path, whole.slice(0, whole.lastIndexOf(',')));
    await until(() => m.health().lastError !== undefined, 5000, 'the refused cut ring');
    expect(m.health().lastError?.message).toContain('does not say how many keys it holds (end it with ",n=3")');

    // Cut and given a count by hand: the key is still missing, and still in use.
    await writeFile(path, formatCompactRing(keys.slice(0, 2)));
    await until(() => /lacks key/.test(m.health().lastError?.message ?? ''), 5000, 'the refused short ring');
    expect(m.health().lastError?.message).toContain(`lacks key "${keys[2]!.id}" (verify-only, with no retireAfter)`);
    expect(m.current.keys.map((key) => key.id)).toEqual(keys.map((key) => key.id));
    expect(logger.lines.join('\n')).toContain(`keeping the last good ring: TokenAuthConfigError: the ring from file`);
    for (const key of keys) expect(logger.lines.join('\n')).not.toContain(key.key);
  });

  it('stops startup when the file is missing, saying so', async () => {
    const path = join(await tempDir(), 'absent.json');
    const error = await manager(new FileKeyProvider({ path }))
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    expect((error as Error).message).toContain(`file ${path} does not exist; mount or create the key ring file`);
  });

  it('keeps the ring when the file disappears, and fails closed after maxStaleness', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ring.json');
    await writeFile(path, ringOf('active').text);
    const m = manager(new FileKeyProvider({ path, pollInterval: 0.1, maxStaleness: 0.4 }));
    await m.start();
    await rm(path);
    await until(() => m.health().lastError !== undefined, 5000, 'a failed reload');
    expect(() => m.current).not.toThrow();
    await until(() => m.health().stale === true, 5000, 'staleness');
    expect(() => m.current).toThrow(expect.objectContaining({ code: 'key_ring_stale' }) as unknown as Error);
  });

  it.each([
    [{ path: '' }, 'path is required'],
    [{ path: 'x', pollInterval: 0 }, 'pollInterval must be a positive number'],
  ])('%j is refused', (options, message) => {
    expect(() => new FileKeyProvider(options)).toThrow(message);
  });
});
