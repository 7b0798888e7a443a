import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  EnvKeyProvider,
  TokenAuthGuard,
  TokenAuthModule,
} from 'nestjs-token-auth';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';

@Module({
  imports: [TokenAuthModule.forRoot({ keyProvider: new EnvKeyProvider() })],
  controllers: [AppController],
  providers: [AppService, { provide: APP_GUARD, useClass: TokenAuthGuard }],
})
export class AppModule {}
