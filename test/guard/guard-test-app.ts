import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  CurrentUser,
  OptionalAuth,
  Public,
  ManualClock,
  StaticKeyProvider,
  TokenAuthGuard,
  TokenAuthModule,
  TokenService,
  type AuthenticatedUser,
  type KeySpec,
} from 'nestjs-token-auth';

export type AdapterName = 'express' | 'fastify';

/** The clock every test app reads; tests move it to issue expired and future-dated tokens. */
export const testClock = new ManualClock();

@Controller()
class GlobalGuardController {
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser) {
    return user;
  }

  @Get('me/sub')
  sub(@CurrentUser('sub') sub: string) {
    return { sub };
  }

  /** The global guard and the route's own: both verify the token. */
  @UseGuards(TokenAuthGuard)
  @Get('me/stacked')
  stacked(@CurrentUser('sub') sub: string) {
    return { sub };
  }

  @Public()
  @Get('public')
  open() {
    return { public: true };
  }

  @OptionalAuth()
  @Get('optional')
  optional(@CurrentUser('sub') sub: string | undefined) {
    return { sub: sub ?? null };
  }
}

@Public()
@Controller('public-controller')
class PublicController {
  @Get()
  open(@CurrentUser() user: AuthenticatedUser | undefined) {
    return { user: user ?? null };
  }
}

/** The guard as APP_GUARD: every route needs a token unless marked `@Public()` or `@OptionalAuth()`. */
@Module({
  imports: [TokenAuthModule.forRootAsync({ useFactory: () => testOptions() })],
  controllers: [GlobalGuardController, PublicController],
  providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
})
class GlobalGuardModule {}

@Controller('guarded')
@UseGuards(TokenAuthGuard)
class GuardedController {
  constructor(private readonly tokens: TokenService) {}

  @Get()
  guarded(@CurrentUser('sub') sub: string) {
    return { sub, kid: this.tokens.issue(sub).claims.kid };
  }
}

@Controller('open')
class OpenController {
  @Get()
  open(@CurrentUser() user: AuthenticatedUser | undefined) {
    return { user: user ?? null };
  }
}

/** A feature module that uses the guard and the service without importing TokenAuthModule (isGlobal). */
@Module({ controllers: [GuardedController, OpenController] })
class FeatureModule {}

@Module({
  imports: [TokenAuthModule.forRootAsync({ isGlobal: true, useFactory: () => testOptions() }), FeatureModule],
})
class PerControllerModule {}

export let testKeys: KeySpec[] = [];

function testOptions() {
  return { keyProvider: new StaticKeyProvider(testKeys), clock: testClock.now, clockTolerance: 30 };
}

export async function createGuardApp(
  adapter: AdapterName,
  mode: 'global' | 'per-controller',
  keys: KeySpec[],
): Promise<{ app: INestApplication; port: number }> {
  testKeys = keys;
  const app = await NestFactory.create(
    mode === 'global' ? GlobalGuardModule : PerControllerModule,
    adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  app.enableCors();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, port: address.port };
}
