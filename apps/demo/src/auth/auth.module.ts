import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { SessionController } from './session.controller.js';

@Module({
  imports: [UsersModule],
  controllers: [AuthController, SessionController],
  providers: [AuthService, LoginRateLimiter, LoginRateLimitGuard],
})
export class AuthModule {}
