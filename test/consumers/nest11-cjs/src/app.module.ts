import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { generateKey, StaticKeyProvider, TokenAuthGuard, TokenAuthModule } from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { TokenAuthHealthIndicator } from 'nestjs-token-auth/terminus';
import { authOptions } from './auth-options';
import { AuthController } from './auth.controller';
import { HealthController } from './health.controller';
import { UsersModule } from './users.module';
import { UsersService } from './users.service';

@Module({
  imports: [
    UsersModule,
    TokenAuthModule.forRootAsync({
      isGlobal: true,
      imports: [UsersModule],
      inject: [UsersService],
      useFactory: (users: UsersService) => ({
        ...authOptions(users),
        keyProvider: new StaticKeyProvider([generateKey('active')]),
        // Without REDIS_URL the module's in-memory store is used (one instance).
        revocationStore: process.env.REDIS_URL
          ? new RedisRevocationStore({ connection: process.env.REDIS_URL })
          : undefined,
      }),
    }),
    TerminusModule,
  ],
  controllers: [AuthController, HealthController],
  providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }, TokenAuthHealthIndicator],
})
export class AppModule {}
