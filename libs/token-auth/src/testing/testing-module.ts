import type { DynamicModule } from '@nestjs/common';
import { generateKey } from '../keys/generate-key.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import type { TokenAuthModuleOptions } from '../options/token-auth.options.js';
import { ManualClock } from './manual-clock.js';

/** The options of `TokenAuthModule.forTesting()`: every option of `forRoot`, all optional. */
export interface TokenAuthTestingOptions extends Partial<Omit<TokenAuthModuleOptions, 'clock'>> {
  /** The clock tokens are issued and checked by. Default: a new `ManualClock`, injectable as `ManualClock`. */
  clock?: ManualClock;
  /** As in `forRoot`: make the module's providers available everywhere. Default false. */
  isGlobal?: boolean;
}

/**
 * The `forRoot` options of a module for tests: a `StaticKeyProvider` with one freshly generated key, a `ManualClock`
 * and, as `forRoot` does when no store is given, a `MemoryRevocationStore` on that clock; any option given wins.
 */
export function testingModuleOptions(options: TokenAuthTestingOptions = {}): {
  moduleOptions: TokenAuthModuleOptions & { isGlobal?: boolean };
  clock: ManualClock;
} {
  const { clock = new ManualClock(), ...rest } = options;
  return {
    moduleOptions: {
      ...rest,
      keyProvider: rest.keyProvider ?? new StaticKeyProvider([generateKey()]),
      clock: clock.now,
    },
    clock,
  };
}

/** `module` with `clock` provided and exported under the `ManualClock` class, so a test can get it and move it. */
export function withManualClock(module: DynamicModule, clock: ManualClock): DynamicModule {
  const clockProvider = { provide: ManualClock, useValue: clock };
  return {
    ...module,
    providers: [...(module.providers ?? []), clockProvider],
    exports: [...(module.exports ?? []), ManualClock],
  };
}
