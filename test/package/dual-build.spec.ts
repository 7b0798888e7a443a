import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../demo/support/built-demo.js';

/**
 * An ESM app whose CommonJS dependency `require`s the package loads both builds (the dual-package hazard). This
 * script is such an app, on the built package: the ESM module and guard, a controller marked `@Public()` by the
 * CommonJS build, and a provider injecting the CommonJS build's `REVOCATION_STORE` token.
 */
const SCRIPT = `
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import * as esm from 'nestjs-token-auth';
const cjs = createRequire(import.meta.url)('nestjs-token-auth');

class Routes {
  open() { return 'open'; }
  closed() { return 'closed'; }
}
Controller()(Routes);
const method = (name) => [Routes.prototype, name, Object.getOwnPropertyDescriptor(Routes.prototype, name)];
Get('open')(...method('open'));
cjs.Public()(...method('open'));
Get('closed')(...method('closed'));

class StoreUser { constructor(store) { this.store = store; } }
Injectable()(StoreUser);
Inject(cjs.REVOCATION_STORE)(StoreUser, undefined, 0);

class AppModule {}
Module({
  imports: [esm.TokenAuthModule.forRoot({ keyProvider: new esm.StaticKeyProvider([esm.generateKey('active')]) })],
  controllers: [Routes],
  providers: [StoreUser, { provide: APP_GUARD, useClass: esm.TokenAuthGuard }],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const url = await app.getUrl();
const status = async (path) => (await fetch(url + path)).status;
console.log(JSON.stringify({
  twoBuilds: esm.TokenAuthModule !== cjs.TokenAuthModule,
  open: await status('/open'),
  closed: await status('/closed'),
  store: app.get(StoreUser).store.health().store,
}));
await app.close();
`;

describe('both builds in one process', () => {
  it('share injection tokens and metadata keys: the ESM guard honours the CommonJS @Public(), REVOCATION_STORE resolves', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({ twoBuilds: true, open: 200, closed: 401, store: 'memory' });
  });
});
