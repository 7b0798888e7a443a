import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TokenAuthExceptionFilter, TokenAuthGuard, TokenAuthModule } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { ActivityModule } from './activity/activity.module.js';
import { AccountModule } from './account/account.module.js';
import { AuthModule } from './auth/auth.module.js';
import { DEMO_CONFIG, type DemoConfig } from './config/demo-config.js';
import { DemoConfigModule } from './config/demo-config.module.js';
import { keyProviderFromEnv } from './config/key-provider.js';
import { DatabaseModule } from './database/database.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { HealthModule } from './health/health.module.js';
import { DemoMetrics } from './metrics/demo-metrics.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotesModule } from './notes/notes.module.js';
import { ShutdownModule } from './shutdown/shutdown.module.js';
import { SpaModule } from './spa/spa.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * Every route needs a bearer token unless marked `@Public()`; a `TokenAuthError` thrown by a route or service
 * (refresh, issuing on a stale key ring) is answered as the guard answers a bad token.
 */
@Module({})
export class AppModule {
  static forRoot(config: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DemoConfigModule.forRoot(config),
        MetricsModule.forRoot(config.env),
        ShutdownModule,
        TokenAuthModule.forRootAsync({
          isGlobal: true,
          inject: [DEMO_CONFIG, DemoMetrics],
          useFactory: async (demo: DemoConfig, metrics: DemoMetrics) => ({
            keyProvider: await keyProviderFromEnv(demo.env),
            accessTokenTtl: demo.accessTokenTtl,
            refreshReplayWindow: demo.refreshReplayWindow,
            requirePersistedRevocations: demo.requirePersistedRevocations,
            // One instance keeps revocations in memory; several share them through Redis (or Sentinel).
            revocationStore:
              demo.redis &&
              new RedisRevocationStore({
                connection: demo.redis.connection,
                maxStaleness: demo.redis.maxStaleness,
                waitForReplicas: demo.redis.waitForReplicas,
                writeTimeout: demo.redis.writeTimeout,
              }),
            // The page at / signs in with HttpOnly cookies; API clients keep using bearer tokens.
            cookie: { sameSite: 'strict' },
            // DELETE /account needs a login this recent (@RequireFreshLogin()).
            freshLoginMaxAge: demo.stepUpMaxAge,
            // With METRICS_PORT: OpenTelemetry metrics, scraped at GET /metrics on that port. Without: none.
            metrics: metrics.meterProvider ? { meterProvider: metrics.meterProvider } : false,
          }),
        }),
        DatabaseModule,
        UsersModule,
        AuthModule,
        DevicesModule,
        AccountModule,
        NotesModule,
        ActivityModule,
        HealthModule,
        SpaModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: TokenAuthGuard },
        { provide: APP_FILTER, useClass: TokenAuthExceptionFilter },
      ],
    };
  }
}
