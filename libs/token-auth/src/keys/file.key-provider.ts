import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import type { KeyProvider } from './key-provider.interface.js';
import type { KeySpec } from './key-ring.js';
import { parseKeyRingText } from './key-ring-text.js';

export interface FileKeyProviderOptions {
  /** The ring file: JSON `{"count":…,"keys":[…]}` or the compact `id:key,…,n=…` form. */
  path: string;
  /**
   * Seconds between re-reads, a safety net for changes the watcher misses (some network and overlay file systems
   * report none). Default 60.
   */
  pollInterval?: number;
  /** Seconds without a successful read after which tokens are refused (503). Default: never. */
  maxStaleness?: number;
  /** Milliseconds to wait after a change event before reloading, so a burst of events makes one reload. Default 100. */
  debounce?: number;
  /** Accept raw keys (written before key texts) besides key texts; each is logged at startup. Default false. */
  allowRawKeys?: boolean;
}

/**
 * Reads the ring from a file, such as a Kubernetes secret mounted as a volume. The kubelet updates such a volume by
 * writing a new timestamped directory and swapping the `..data` symlink, so the provider watches the directory
 * (the file's own inode never changes) and asks for a reload on any event there, plus a slow poll.
 * The `KeyRingManager` validates each read and keeps the last good ring when a read fails.
 */
export class FileKeyProvider implements KeyProvider {
  readonly description: string;
  readonly refreshInterval: number;
  readonly maxStaleness?: number;
  readonly allowRawKeys?: boolean;
  private readonly path: string;
  private readonly debounce: number;
  private readonly logger = new Logger('TokenAuth');

  constructor(options: FileKeyProviderOptions) {
    const {
      path,
      pollInterval = 60,
      maxStaleness,
      debounce = 100,
      allowRawKeys,
    } = options ?? ({} as FileKeyProviderOptions);
    if (typeof path !== 'string' || path === '') {
      throw new TokenAuthConfigError('FileKeyProvider: path is required (the key ring file)');
    }
    if (typeof pollInterval !== 'number' || !(pollInterval > 0)) {
      throw new TokenAuthConfigError(
        `FileKeyProvider: pollInterval must be a positive number of seconds, got ${String(pollInterval)}`,
      );
    }
    this.path = resolve(path);
    this.refreshInterval = pollInterval;
    this.debounce = debounce;
    if (maxStaleness !== undefined) this.maxStaleness = maxStaleness;
    if (allowRawKeys) this.allowRawKeys = true;
    this.description = `file ${this.path}`;
  }

  async load(signal: AbortSignal): Promise<readonly KeySpec[]> {
    let text: string;
    try {
      text = await readFile(this.path, { encoding: 'utf8', signal });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new TokenAuthConfigError(`${this.description} does not exist; mount or create the key ring file`);
      if (code === 'EACCES') throw new TokenAuthConfigError(`${this.description} is not readable by this process`);
      throw error;
    }
    return parseKeyRingText(text, this.description);
  }

  watch(onChange: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const changed = (): void => {
      clearTimeout(timer);
      timer = setTimeout(onChange, this.debounce);
      timer.unref();
    };
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dirname(this.path), { persistent: false }, (_event, name) => {
        // In a secret volume the file is a symlink through `..data`, whose swap is the event that matters.
        if (name === null || name === basename(this.path) || name.startsWith('..')) changed();
      });
      watcher.on('error', (error) => {
        this.logger.warn(
          `cannot watch ${this.description} (${error.message}); relying on the ${this.refreshInterval} s poll`,
        );
        watcher?.close();
      });
    } catch (error) {
      this.logger.warn(
        `cannot watch ${this.description} (${(error as Error).message}); relying on the ${this.refreshInterval} s poll`,
      );
    }
    return () => {
      clearTimeout(timer);
      watcher?.close();
    };
  }
}
