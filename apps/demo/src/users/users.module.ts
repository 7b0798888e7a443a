import { Module } from '@nestjs/common';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';
import { MeController } from './me.controller.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [MeController],
  providers: [
    UsersService,
    {
      provide: PasswordHasher,
      inject: [DEMO_CONFIG],
      useFactory: (config: DemoConfig) => new PasswordHasher({ maxWaitMs: config.hashingMaxWait }),
    },
  ],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
