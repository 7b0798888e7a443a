import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokenAuthGuard, TokenAuthModule, type TokenAuthModuleOptions } from 'nestjs-token-auth';

@Controller()
class PrivateController {
  @Get('private')
  get() {
    return { ok: true };
  }
}

/** An app whose one route, `GET /private`, sits behind the global guard. */
export function guardedAppModule(options: TokenAuthModuleOptions): DynamicModule {
  @Module({})
  class AppModule {}
  return {
    module: AppModule,
    imports: [TokenAuthModule.forRoot(options)],
    controllers: [PrivateController],
    providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
  };
}
