import { Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterBridge } from './events/event-emitter-bridge.js';
import { SecurityEventBus } from './events/security-event-bus.js';
import { SecurityEvents } from './events/security-events.js';
import { TokenAuthCounters } from './events/token-auth-counters.js';
import { KEY_PROVIDER, type KeyProvider } from './keys/key-provider.interface.js';
import { KeyRingManager } from './keys/key-ring-manager.js';
import { MemoryRevocationStore } from './revocation/memory.revocation-store.js';
import { REVOCATION_STORE, type RevocationStore } from './revocation/revocation-store.interface.js';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } from './options/module-definition.js';
import {
  resolveOptions,
  TOKEN_AUTH_OPTIONS,
  type ResolvedTokenAuthOptions,
  type TokenAuthModuleOptions,
} from './options/token-auth.options.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenService } from './token.service.js';
import { TokenCookies } from './cookies/token-cookies.js';
import { TokenIssuer } from './issuing/token-issuer.js';
import { FreshLoginCheck } from './sessions/fresh-login.js';
import { SessionDirectory } from './sessions/session-directory.js';
import { SessionRefresher } from './sessions/session-refresher.js';
import { TokenRevoker } from './sessions/token-revoker.js';
import { TokenVerifier } from './verification/token-verifier.js';
import { TokenAuthMetrics } from './metrics/token-auth-metrics.js';
import { WsTokenAuth } from './websocket/ws-token-auth.js';
import { testingModuleOptions, withManualClock, type TokenAuthTestingOptions } from './testing/testing-module.js';

/**
 * `TokenAuthModule.forRoot({...})` or `.forRootAsync({ useFactory, inject })`; `isGlobal: true` makes the service
 * and guard available to every module. Options are validated and the key ring is loaded during bootstrap.
 * `TokenAuthModule.forTesting()` is the same module set up for unit tests.
 */
@Module({
  providers: [
    {
      provide: TOKEN_AUTH_OPTIONS,
      useFactory: (options: TokenAuthModuleOptions) => resolveOptions(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
    {
      provide: KEY_PROVIDER,
      useFactory: (options: ResolvedTokenAuthOptions) => options.keyProvider,
      inject: [TOKEN_AUTH_OPTIONS],
    },
    {
      provide: KeyRingManager,
      useFactory: async (provider: KeyProvider, events: SecurityEventBus) => {
        const manager = new KeyRingManager(provider);
        manager.observe(events);
        await manager.start();
        return manager;
      },
      inject: [KEY_PROVIDER, SecurityEventBus],
    },
    {
      // The store's replica is loaded before the first request; what the store lives through is a security event.
      provide: REVOCATION_STORE,
      useFactory: async (options: ResolvedTokenAuthOptions, events: SecurityEventBus) => {
        const store: RevocationStore = options.revocationStore ?? new MemoryRevocationStore({ clock: options.clock });
        store.observe?.(events);
        await store.start?.();
        return store;
      },
      inject: [TOKEN_AUTH_OPTIONS, SecurityEventBus],
    },
    { provide: SecurityEventBus, useFactory: () => new SecurityEventBus() },
    { provide: TokenAuthCounters, useFactory: () => new TokenAuthCounters() },
    SecurityEvents,
    EventEmitterBridge,
    TokenAuthMetrics,
    TokenIssuer,
    TokenVerifier,
    TokenRevoker,
    SessionRefresher,
    SessionDirectory,
    FreshLoginCheck,
    TokenService,
    TokenAuthGuard,
    TokenCookies,
    WsTokenAuth,
  ],
  exports: [
    TOKEN_AUTH_OPTIONS,
    KEY_PROVIDER,
    KeyRingManager,
    REVOCATION_STORE,
    TokenService,
    TokenAuthGuard,
    TokenCookies,
    WsTokenAuth,
    SecurityEvents,
  ],
})
export class TokenAuthModule extends ConfigurableModuleClass {
  /**
   * The module for tests, in one line: a freshly generated key (`StaticKeyProvider`), the in-memory revocation store
   * and a `ManualClock`, injectable as `ManualClock` so a test can move time. Every `forRoot` option may be given and
   * wins; pass your own `clock: new ManualClock(...)` to hold it before the module is built.
   *
   * ```ts
   * const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
   * const tokens = moduleRef.get(TokenService);
   * moduleRef.get(ManualClock).advance(16 * 60_000);
   * ```
   */
  static forTesting(options: TokenAuthTestingOptions = {}): DynamicModule {
    const { moduleOptions, clock } = testingModuleOptions(options);
    return withManualClock(TokenAuthModule.forRoot(moduleOptions), clock);
  }
}
