import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { ApiSecurity, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_OPTIONAL_AUTH_KEY, IS_PUBLIC_KEY, TOKEN_COOKIE_NAMES } from 'nestjs-token-auth';

/** Where `@nestjs/swagger` keeps `@ApiSecurity` requirements on a handler. */
const API_SECURITY_METADATA = 'swagger/apiSecurity';

/**
 * Serves the OpenAPI document at `/docs-json`, and the UI at `/docs` on Express. The demo's guard is global, so every route needs a
 * bearer token or the access cookie unless it is `@Public()`; routes are marked accordingly before the document is
 * built: guarded routes list both schemes as alternatives, `@OptionalAuth()` routes add the empty requirement, and
 * public routes list none. A route that already declares `@ApiSecurity` keeps its own.
 */
export function setupSwagger(app: INestApplication): OpenAPIObject {
  declareTokenAuth(app);
  const config = new DocumentBuilder()
    .setTitle('nestjs-token-auth demo')
    .setDescription('Notes behind token authentication: a bearer token, or HttpOnly cookies for the browser page.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token from POST /auth/login' }, 'bearer')
    .addCookieAuth(
      TOKEN_COOKIE_NAMES.access,
      {
        type: 'apiKey',
        in: 'cookie',
        name: TOKEN_COOKIE_NAMES.access,
        description:
          'Set by POST /auth/login in cookie mode (plain http in development: nta_access). Unsafe methods also need X-CSRF-Protection.',
      },
      'cookie',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // The UI's assets need @fastify/static on Fastify, which the demo does not depend on: the JSON document only there.
  SwaggerModule.setup('docs', app, document, { ui: app.getHttpAdapter().getType() !== 'fastify' });
  return document;
}

function declareTokenAuth(app: INestApplication): void {
  const reflector = app.get(Reflector);
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
        const handler = descriptor?.value;
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue; // not a route
        if (Reflect.hasOwnMetadata(API_SECURITY_METADATA, handler)) continue; // declared by hand, or already done
        const targets = [handler, metatype];
        if (reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) continue;
        ApiSecurity('bearer')(prototype, name, descriptor!);
        ApiSecurity('cookie')(prototype, name, descriptor!);
        if (reflector.getAllAndOverride<boolean>(IS_OPTIONAL_AUTH_KEY, targets))
          ApiSecurity({})(prototype, name, descriptor!);
      }
    }
  }
}
