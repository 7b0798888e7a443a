import type { KeyProvider } from './key-provider.interface.js';
import type { KeySpec } from './key-ring.js';

export interface StaticKeyProviderOptions {
  /** Accept raw key bytes (Buffers, base64url text) besides key texts; each is logged at startup. Default false. */
  allowRawKeys?: boolean;
}

/** Keys given in code: for tests and scripts. */
export class StaticKeyProvider implements KeyProvider {
  readonly description = 'static keys';
  readonly allowRawKeys?: boolean;

  constructor(
    private readonly keys: readonly KeySpec[],
    options: StaticKeyProviderOptions = {},
  ) {
    if (options.allowRawKeys) this.allowRawKeys = true;
  }

  async load(): Promise<readonly KeySpec[]> {
    return this.keys;
  }
}
