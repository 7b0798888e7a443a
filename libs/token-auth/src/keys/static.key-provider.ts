import type { KeyProvider } from './key-provider.interface.js';
import type { KeySpec } from './key-ring.js';

/** Keys given in code: for tests and scripts. */
export class StaticKeyProvider implements KeyProvider {
  readonly description = 'static keys';

  constructor(private readonly keys: readonly KeySpec[]) {}

  async load(): Promise<readonly KeySpec[]> {
    return this.keys;
  }
}
