import { Module } from '@nestjs/common';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';
import { AccountLoginLimiter } from '../throttling/account-login-limiter.js';
import { ATTEMPT_COUNTER, MemoryAttemptCounter } from '../throttling/attempt-counter.js';
import { RedisAttemptCounter } from '../throttling/redis-attempt-counter.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { SessionController } from './session.controller.js';

@Module({
  imports: [UsersModule],
  controllers: [AuthController, SessionController],
  providers: [
    AuthService,
    LoginRateLimiter,
    LoginRateLimitGuard,
    AccountLoginLimiter,
    {
      // Shared by every instance through the Redis that shares revocations, when there is one.
      provide: ATTEMPT_COUNTER,
      inject: [DEMO_CONFIG],
      useFactory: ({ redis }: DemoConfig) =>
        redis ? new RedisAttemptCounter(redis.connection) : new MemoryAttemptCounter(),
    },
  ],
})
export class AuthModule {}
