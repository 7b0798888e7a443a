import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { generateKey, StaticKeyProvider, TokenAuthGuard, TokenAuthModule } from 'nestjs-token-auth';
import { AppController } from './app.controller';

@Module({
  imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey('active')]) })],
  controllers: [AppController],
  providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
})
export class AppModule {}
