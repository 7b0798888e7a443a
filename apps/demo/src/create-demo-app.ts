import { ValidationPipe, type INestApplication, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { DemoConfig } from './config/demo-config.js';
import { setupSwagger } from './swagger/setup-swagger.js';
import { BodyDepthPipe } from './validation/body-depth.pipe.js';
import { MAX_BODY_BYTES } from './validation/body-limits.js';

/**
 * Builds and initializes the demo on the configured adapter, without listening: `main.ts` listens, tests hand
 * `getHttpServer()` to supertest. Startup errors (a missing key ring in production, say) are thrown, not aborted on.
 */
export async function createDemoApp(
  config: DemoConfig,
  options: Omit<NestApplicationOptions, 'abortOnError'> = {},
): Promise<INestApplication> {
  const adapter =
    config.adapter === 'fastify' ? new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES }) : new ExpressAdapter();
  const app = await NestFactory.create(AppModule.forRoot(config), adapter, {
    ...options,
    abortOnError: false,
    // Express: the JSON parser below, with the same limit as Fastify's.
    ...(adapter instanceof ExpressAdapter && { bodyParser: false }),
  });
  if (adapter instanceof ExpressAdapter)
    (app as NestExpressApplication).useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.useGlobalPipes(
    new BodyDepthPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  setupSwagger(app);
  await app.init();
  if (adapter instanceof FastifyAdapter) await adapter.getInstance().ready();
  return app;
}
