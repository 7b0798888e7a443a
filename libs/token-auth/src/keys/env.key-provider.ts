import { Logger } from '@nestjs/common';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { generateKey } from './generate-key.js';
import type { KeyProvider } from './key-provider.interface.js';
import type { KeySpec } from './key-ring.js';
import { parseKeyRingText } from './key-ring-text.js';

export interface EnvKeyProviderOptions {
  /** The variable holding the ring. Default `TOKEN_AUTH_KEYS`. */
  variable?: string;
  /**
   * When the variable is unset outside production, sign with a random key made at startup (tokens die with the
   * process) and log a warning. Default true. With `NODE_ENV=production` a missing variable always stops startup.
   */
  ephemeralOutsideProduction?: boolean;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Accept raw keys (base64url written before key texts) besides key texts; each is logged at startup. Default
   * false. Convert them instead with `npx nestjs-token-auth wrap --env TOKEN_AUTH_KEYS`.
   */
  allowRawKeys?: boolean;
}

/**
 * Reads the ring from an environment variable, as JSON or as a compact `id:key,id:key,n=2` list (first is active).
 */
export class EnvKeyProvider implements KeyProvider {
  readonly description: string;
  readonly allowRawKeys?: boolean;
  private readonly variable: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly ephemeral: boolean;
  private readonly logger = new Logger('TokenAuth');
  /** Made once: a reload (such as the one an unknown key id asks for) must not replace it and log everyone out. */
  private ephemeralKey?: KeySpec;

  constructor(options: EnvKeyProviderOptions = {}) {
    this.variable = options.variable ?? 'TOKEN_AUTH_KEYS';
    this.env = options.env ?? process.env;
    this.ephemeral = options.ephemeralOutsideProduction ?? true;
    this.description = `env ${this.variable}`;
    if (options.allowRawKeys) this.allowRawKeys = true;
  }

  async load(): Promise<readonly KeySpec[]> {
    const text = this.env[this.variable];
    if (text !== undefined && text.trim() !== '') {
      return parseKeyRingText(text, this.description);
    }
    const production = this.env.NODE_ENV === 'production';
    if (production || !this.ephemeral) {
      throw new TokenAuthConfigError(
        `${this.variable} is not set${production ? ' and NODE_ENV is production' : ''}; ` +
          `set it to a key ring (generate one with "npx nestjs-token-auth keygen")`,
      );
    }
    if (this.ephemeralKey === undefined) {
      this.logger.warn(
        `${this.variable} is not set: signing with an ephemeral key made at startup. Tokens will not survive a ` +
          `restart nor work across instances. Set ${this.variable} (see "npx nestjs-token-auth keygen").`,
      );
      this.ephemeralKey = generateKey();
    }
    return [this.ephemeralKey];
  }
}
