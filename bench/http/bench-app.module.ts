import { createSecretKey, randomBytes } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import bcrypt from 'bcrypt';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { KeyRingManager, StaticKeyProvider, TokenAuthModule, type KeySpec } from 'nestjs-token-auth';
import { BASIC_PASSWORD, BASIC_USER } from '../support/fixtures.js';
import { AllowAllGuard } from './allow-all.guard.js';
import { BareVerifyGuard } from './bare-verify.guard.js';
import { BasicBcryptGuard } from './basic-bcrypt.guard.js';
import { HmacFloorGuard } from './hmac-floor.guard.js';
import { BenchAppController } from './bench-app.controller.js';
import {
  BASIC_USERS,
  HMAC_FLOOR_INPUT,
  JWT_KEY_OBJECT,
  JWT_KEY_OBJECT_SERVICE,
  JWT_SECRET,
} from './bench-app.constants.js';
import { JwtDocsGuard } from './jwt-docs.guard.js';
import { JwtKeyObjectGuard } from './jwt-key-object.guard.js';
import { JwtKeyObjectStrategy, JwtStrategy } from './jwt.strategy.js';

/**
 * Lifetime of the tokens the app signs at start and serves to every route: under callgrind, counting every route
 * of one app takes longer than a 15-minute token lives. The lifetime changes no byte count of either format.
 */
const APP_TOKEN_TTL_SECONDS = 4 * 60 * 60;

/** One app with every way of authenticating, each module configured as its docs show. */
@Module({})
export class BenchAppModule {
  /** `meterProvider`: the module's OpenTelemetry metrics on (as the demo's `METRICS_PORT` turns them on). */
  static register(keys: KeySpec[], jwtSecret: string, meterProvider?: MeterProvider): DynamicModule {
    const keyObject = createSecretKey(Buffer.from(jwtSecret));
    return {
      module: BenchAppModule,
      imports: [
        TokenAuthModule.forRoot({
          keyProvider: new StaticKeyProvider(keys),
          accessTokenTtl: APP_TOKEN_TTL_SECONDS,
          ...(meterProvider && { metrics: { meterProvider } }),
        }),
        JwtModule.register({ global: true, secret: jwtSecret, signOptions: { expiresIn: APP_TOKEN_TTL_SECONDS } }),
        PassportModule,
      ],
      controllers: [BenchAppController],
      providers: [
        { provide: JWT_SECRET, useValue: jwtSecret },
        { provide: JWT_KEY_OBJECT, useValue: keyObject },
        { provide: JWT_KEY_OBJECT_SERVICE, useValue: new JwtService({ secret: keyObject }) },
        {
          // The active access key and a body the size of the benchmark token's.
          provide: HMAC_FLOOR_INPUT,
          useFactory: (keys: KeyRingManager) => ({ key: keys.current.active.macKeys.access, body: randomBytes(83) }),
          inject: [KeyRingManager],
        },
        {
          provide: BASIC_USERS,
          useFactory: async () => new Map([[BASIC_USER, await bcrypt.hash(BASIC_PASSWORD, 10)]]),
        },
        AllowAllGuard,
        BareVerifyGuard,
        BasicBcryptGuard,
        HmacFloorGuard,
        JwtDocsGuard,
        JwtKeyObjectGuard,
        JwtStrategy,
        JwtKeyObjectStrategy,
      ],
    };
  }
}
