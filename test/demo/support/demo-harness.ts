import type { INestApplication } from '@nestjs/common';
import { formatCompactRing, generateKey } from 'nestjs-token-auth';
import request from 'supertest';
import { createDemoApp } from '../../../apps/demo/src/create-demo-app.js';
import { DEMO_ADAPTERS, loadDemoConfig, type DemoAdapter } from '../../../apps/demo/src/config/demo-config.js';

export const ADAPTERS: readonly DemoAdapter[] = DEMO_ADAPTERS;

/** A key ring in the compact `TOKEN_AUTH_KEYS` form. */
export function keyRingText(): string {
  const key = generateKey();
  return formatCompactRing([key]);
}

export interface DemoHarness {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  /** Registers the user (expecting 201) and returns its id. */
  register(username: string, password?: string): Promise<number>;
  /** Logs in (expecting 200) and returns the `Authorization` header value. */
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery';

/**
 * The real demo wiring (`createDemoApp`, `loadDemoConfig`, `EnvKeyProvider`) on the given adapter, with an
 * in-memory database and a fresh key ring unless `env` says otherwise. Nothing listens: supertest drives the server.
 */
export async function startDemo(adapter: DemoAdapter, env: NodeJS.ProcessEnv = {}): Promise<DemoHarness> {
  const config = loadDemoConfig({
    DEMO_ADAPTER: adapter,
    DEMO_DB_PATH: ':memory:',
    TOKEN_AUTH_KEYS: keyRingText(),
    LOGIN_RATE_LIMIT: '1000',
    ...env,
  });
  const app = await createDemoApp(config, { logger: false });
  const http = () => request(app.getHttpServer());
  return {
    app,
    http,
    async register(username, password = PASSWORD) {
      const response = await http().post('/auth/register').send({ username, password }).expect(201);
      return (response.body as { id: number }).id;
    },
    async login(username, password = PASSWORD) {
      const response = await http().post('/auth/login').send({ username, password }).expect(200);
      const token: unknown = response.body.access_token;
      if (typeof token !== 'string') throw new Error(`login answered no access_token: ${response.text}`);
      return `Bearer ${token}`;
    },
    close: () => app.close(),
  };
}
