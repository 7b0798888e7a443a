import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltDemo, cleanEnv, ensureBuilt } from './support/built-demo.js';

describe('the built demo (node dist/apps/demo/main.js)', () => {
  let workDir: string;
  let demo: BuiltDemo | undefined;

  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await demo?.kill();
    demo = undefined;
    rmSync(workDir, { recursive: true, force: true });
  });

  function start(env: NodeJS.ProcessEnv): BuiltDemo {
    workDir = mkdtempSync(join(tmpdir(), 'demo-startup-'));
    demo = new BuiltDemo(cleanEnv(env), workDir);
    return demo;
  }

  it('starts with no configuration at all: an ephemeral key with a warning, a database made on first start', async () => {
    const app = start({ PORT: '0' });
    const url = await app.listening();
    expect(app.stdout).toMatch(/WARN.*TOKEN_AUTH_KEYS is not set: signing with an ephemeral key/);
    expect(existsSync(join(workDir, '.data', 'demo.sqlite'))).toBe(true);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'up',
      keyRing: 'fresh',
      revocationStore: 'local',
      clock: 'in_step',
      instance: 'serving',
    });

    const register = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'startup', password: 'correct horse battery' }),
    });
    expect(register.status).toBe(201);

    app.process.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.stdout).toMatch(/\[Database\] closed/);
    expect(app.stderr).toBe('');
  });

  it('refuses to start in production without TOKEN_AUTH_KEYS, with one line saying what to set', async () => {
    const app = start({ NODE_ENV: 'production', PORT: '0' });
    const exit = await app.exited;
    expect(exit.code).toBe(1);
    expect(app.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^demo: cannot start: .*TOKEN_AUTH_KEYS is not set/),
    ]);
    expect(app.stdout).not.toMatch(/listening on/);
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number from 0 to 65535/],
    ['DEMO_ADAPTER', 'koa', /DEMO_ADAPTER must be one of express, fastify/],
    ['TOKEN_AUTH_KEYS', 'not-a-ring', /TOKEN_AUTH_KEYS/],
  ])('refuses to start when %s is %s', async (name, value, message) => {
    const app = start({ PORT: '0', [name]: value });
    expect((await app.exited).code).toBe(1);
    expect(app.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
  });
});
