import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TokenService } from 'nestjs-token-auth';
import { benchJwtSecret, benchKeys, BASIC_PASSWORD, BASIC_USER, ROLES, SUBJECT } from '../support/fixtures.js';
import {
  CPU_USAGE_REQUEST,
  type AppReady,
  type CpuUsageReply,
  type FreshTokensReply,
  type FreshTokensRequest,
  type Platform,
  type ScrapeRequest,
} from './bench-app.constants.js';
import { benchMeterProvider } from './bench-metrics.js';
import { BenchAppModule } from './bench-app.module.js';
import { settle, SETTLE } from '../instructions/callgrind.js';

/**
 * The benchmark app in its own process, so the load generator does not share its event loop. Started by
 * http.bench.ts with the platform as argument; reports its port and credentials over IPC, answers CPU-usage
 * requests (so the runner can tell what each request cost the server), exits on disconnect.
 */
async function main(platform: Platform, withMetrics: boolean): Promise<void> {
  const metrics = withMetrics ? benchMeterProvider() : undefined;
  const module = BenchAppModule.register(benchKeys(), benchJwtSecret(), metrics?.meterProvider);
  const app =
    platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: ['error'] })
      : await NestFactory.create(module, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  // Under callgrind on a busy machine a client can take longer than Node's 5 s keep-alive timeout (Express keeps
  // Node's default) to send its next request on a connection, which the server then resets: keep connections open.
  (app.getHttpServer() as { keepAliveTimeout: number }).keepAliveTimeout = 10 * 60_000;
  const address = app.getHttpServer().address() as { port: number };
  const token = app.get(TokenService).issue(SUBJECT, { claims: { roles: ROLES } }).token;
  const jwt = app.get(JwtService).sign({ sub: SUBJECT, roles: ROLES });
  const basic = Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64');
  const ready: AppReady = {
    port: address.port,
    authorization: {
      'token-auth': `Bearer ${token}`,
      'nestjs-jwt': `Bearer ${jwt}`,
      'nestjs-jwt-key-object': `Bearer ${jwt}`,
      'passport-jwt': `Bearer ${jwt}`,
      'passport-jwt-key-object': `Bearer ${jwt}`,
      'basic-bcrypt': `Basic ${basic}`,
    },
  };
  const tokens = app.get(TokenService);
  process.on('message', (message: unknown) => {
    if (message === CPU_USAGE_REQUEST) process.send!({ cpuUsage: process.cpuUsage() } satisfies CpuUsageReply);
    if ((message as Partial<ScrapeRequest>)?.scrape) {
      void (metrics?.scrape() ?? Promise.resolve(0)).then((scopes) => process.send!({ scopes }));
    }
    if ((message as Partial<typeof SETTLE>)?.settle) {
      void settle().then(() => process.send!({ settled: true }));
    }
    const fresh = (message as Partial<FreshTokensRequest>)?.freshTokens;
    if (typeof fresh === 'number') {
      const reply: FreshTokensReply = {
        tokens: Array.from({ length: fresh }, () => tokens.issue(SUBJECT, { claims: { roles: ROLES } }).token),
      };
      process.send!(reply);
    }
  });
  process.once('disconnect', () => void app.close().finally(() => process.exit(0)));
  process.send!(ready);
}

const [platform, flag] = process.argv.slice(2);
if ((platform !== 'fastify' && platform !== 'express') || (flag !== undefined && flag !== '--metrics')) {
  console.error('usage: node bench-app.main.js fastify|express [--metrics] (started by http.bench.js)');
  process.exit(2);
}
await main(platform, flag === '--metrics');
