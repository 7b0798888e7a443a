import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  deriveKeyId,
  EnvKeyProvider,
  formatCompactRing,
  generateKey,
  KeyRingManager,
  parseKeyText,
  TokenService,
  type KeyProvider,
  type KeySpec,
} from 'nestjs-token-auth';
import { guardedAppModule } from './guarded-app.js';
import { captureOutput, expectNoSecrets, secretForms } from './output-capture.js';

type AdapterName = 'express' | 'fastify';

async function startApp(
  adapter: AdapterName,
  keyProvider: KeyProvider,
  logger: LoggerService,
): Promise<INestApplication> {
  const httpAdapter = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(guardedAppModule({ keyProvider: keyProvider }), httpAdapter, {
    logger,
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Every secret a ring holds: each master key, and the access and refresh MAC keys derived from it. */
function ringSecrets(app: INestApplication, masterKeys: readonly Buffer[]): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  masterKeys.forEach((key, index) => secrets.set(`master key #${index + 1}`, secretForms(key)));
  const ring = app.get(KeyRingManager).current;
  for (const { id } of ring.describe()) {
    const key = ring.get(id)!;
    for (const purpose of ['access', 'refresh'] as const) {
      secrets.set(`${purpose} MAC key of ${id}`, secretForms(key.macKeys[purpose].export()));
    }
  }
  return secrets;
}

/** The key text the generator wrote for `spec`. */
function keyText(spec: KeySpec): string {
  return spec.key as string;
}

/** The master key bytes inside a generated key's key text. */
function keyBytes(spec: KeySpec): Buffer {
  return parseKeyText(keyText(spec), spec.id);
}

interface Answer {
  status: number;
  body: string;
  headers: string;
}

/** A raw request, so that repeated headers and odd bytes reach the server as sent. */
function send(app: INestApplication, path: string, headers: Record<string, string | string[]>): Promise<Answer> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: JSON.stringify(res.headers) }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Each test boots one or two apps; on a loaded machine that can pass Jest's default 5 s.
jest.setTimeout(20_000);

let running: { app?: INestApplication; stop: () => void }[] = [];

afterEach(async () => {
  for (const { app, stop } of running) {
    await app?.close();
    stop();
  }
  running = [];
});

/** Starts capturing before the app exists, so bootstrap output is caught too. */
async function captured(adapter: AdapterName, provider: KeyProvider) {
  const capture = captureOutput();
  const entry: { app?: INestApplication; stop: () => void } = { stop: capture.stop };
  running.push(entry);
  entry.app = await startApp(adapter, provider, capture.logger);
  return { app: entry.app, ...capture };
}

describe.each<AdapterName>(['express', 'fastify'])('secrets never logged (%s)', (adapter) => {
  it('logs no key bytes at startup with a ring from the environment', async () => {
    const specs = [generateKey(), generateKey('verify-only')];
    const ringText = formatCompactRing(specs as { id: string; key: string }[]);
    const { app, text } = await captured(adapter, new EnvKeyProvider({ env: { TOKEN_AUTH_KEYS: ringText } }));
    const secrets = ringSecrets(
      app,
      specs.map((spec) => keyBytes(spec)),
    );
    secrets.set('the TOKEN_AUTH_KEYS value', [ringText]);
    expect(text()).toMatch(/Nest application successfully started/);
    expectNoSecrets(text(), secrets);
  });

  it('logs the ephemeral-key warning without the ephemeral key', async () => {
    const { app, text } = await captured(adapter, new EnvKeyProvider({ env: {} }));
    expect(text()).toMatch(/TOKEN_AUTH_KEYS is not set: signing with an ephemeral key/);
    // The ephemeral master key is not kept; its derived MAC keys are, and the base64url-run check covers the rest.
    expectNoSecrets(text(), ringSecrets(app, []));
  });

  /** Starts an app on a provider whose load can be swapped, runs each failing load as a refresh, returns the output. */
  async function refreshFailures(failures: (() => readonly KeySpec[])[], good: KeySpec) {
    let next: () => readonly KeySpec[] = () => [good];
    const provider: KeyProvider = { description: 'test secret store', load: async () => next() };
    const { app, text } = await captured(adapter, provider);
    const manager = app.get(KeyRingManager);
    for (const failure of failures) {
      next = failure;
      await manager.refresh();
    }
    const refreshErrors = text()
      .split('\n')
      .filter((line) => /key ring refresh from test secret store failed/.test(line));
    expect(refreshErrors).toHaveLength(failures.length);
    expect(manager.current.active.id).toBe(good.id);
    return { app, output: `${text()}\n${JSON.stringify(manager.health())}` };
  }

  it('logs invalid rings and failed loads without key bytes', async () => {
    const good = generateKey();
    const leaked = generateKey('verify-only');
    const leakedKey = keyBytes(leaked);
    const payload = JSON.stringify({ keys: [good, leaked] });
    const shortKey = randomBytes(16);
    const printableKey = Buffer.from('correct horse battery staple 1234567890');
    const { app, output } = await refreshFailures(
      [
        // Only the error's class and message are logged, not the properties carrying the payload.
        () => {
          throw Object.assign(new TypeError('bad payload'), { payload, key: leakedKey });
        },
        () => [good, { id: deriveKeyId(shortKey), key: shortKey.toString('base64url'), state: 'verify-only' }],
        () => [good, { id: deriveKeyId(printableKey), key: printableKey, state: 'verify-only' }],
        () => [good, { ...leaked, key: `${keyText(leaked)} ` }],
        () => [good, { ...leaked, id: 'mistyped' }],
        () => [good, { ...good, state: 'verify-only' }],
        () => [good, { ...leaked, state: 'active' }],
        () => [],
      ],
      good,
    );
    const secrets = ringSecrets(app, [keyBytes(good), leakedKey, shortKey, printableKey]);
    secrets.set('the provider payload', [payload]);
    expectNoSecrets(output, secrets);
  });

  it('logs a provider error whose message quotes the secret without the secret', async () => {
    const good = generateKey();
    const leaked = generateKey('verify-only');
    const leakedKey = keyBytes(leaked);
    const payload = JSON.stringify({ keys: [good, leaked] });
    const { app, output } = await refreshFailures(
      [
        () => {
          throw new Error(`secret store answered ${payload} for key ${leakedKey.toString('hex')}`);
        },
        // The message of JSON.parse quotes part of the text it could not parse.
        () => JSON.parse(payload.slice(0, -5) + '!!') as KeySpec[],
      ],
      good,
    );
    const secrets = ringSecrets(app, [keyBytes(good), leakedKey]);
    secrets.set('the provider payload', [payload]);
    expectNoSecrets(output, secrets);
    // Redaction keeps the rest of the message, which is what an operator needs.
    expect(output).toMatch(/Error: secret store answered .*\[redacted\]/);
    expect(output).toMatch(/SyntaxError \(message withheld/);
  });

  it('stops startup on a provider error that quotes the secret, without the secret in the message', async () => {
    const leaked = generateKey();
    const provider: KeyProvider = {
      description: 'test secret store',
      load: async () => {
        throw new Error(`cannot use ${keyText(leaked)} (hex ${keyBytes(leaked).toString('hex')})`);
      },
    };
    const capture = captureOutput();
    running.push({ stop: capture.stop });
    const error = await startApp(adapter, provider, capture.logger).then(
      () => new Error('the app started'),
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toMatch(
      /^cannot load the key ring from test secret store: Error: cannot use nta-key-v1\.\[redacted\]/,
    );
    const secrets = new Map([['the key', secretForms(keyBytes(leaked))]]);
    expectNoSecrets(`${error.message}\n${capture.text()}`, secrets);
  });

  it('logs nothing secret and echoes no token for a batch of bad requests', async () => {
    const specs = [generateKey()];
    const { app, text } = await captured(
      adapter,
      new EnvKeyProvider({ env: { TOKEN_AUTH_KEYS: formatCompactRing([specs[0]!]) } }),
    );
    const tokens = app.get(TokenService);
    const token = tokens.issue('user-1', { claims: { role: 'admin' } }).token;
    const other = tokens.issue('user-2').token;
    const foreign = (await captured(adapter, new EnvKeyProvider({ env: {} }))).app
      .get(TokenService)
      .issue('user-1').token;
    const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
    const bad: Record<string, string | string[]>[] = [
      { authorization: `Bearer ${flipped}` },
      { authorization: `Bearer ${token}x` },
      { authorization: `Bearer ${token}${other}` },
      { authorization: `Bearer ${token} ${other}` },
      { authorization: `Bearer ${foreign}` },
      { authorization: `Basic ${token}` },
      { authorization: token },
      { authorization: `Bearer ${token.toUpperCase()}` },
      { authorization: `Bearer ${token.slice(0, 40)}` },
      { authorization: [`Bearer ${token}`, `Bearer ${other}`] },
      { authorization: `Bearer ${token}\u00e9` },
      { authorization: `Bearer ${'A'.repeat(4000)}` },
      { 'x-access-token': token },
      { cookie: `access_token=${token}` },
    ];
    const answers = await Promise.all(bad.map((headers) => send(app, '/private', headers)));
    answers.push(await send(app, `/private?access_token=${token}`, {}));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 401));
    // The guard did verify a good token on this app, so the 401s above are the tokens' fault.
    expect((await send(app, '/private', { authorization: `Bearer ${token}` })).status).toBe(200);
    const secrets = ringSecrets(
      app,
      specs.map((spec) => keyBytes(spec)),
    );
    for (const [name, value] of [
      ['token', token],
      ['other token', other],
      ['foreign token', foreign],
      ['flipped token', flipped],
    ]) {
      secrets.set(name!, [value!, value!.slice('nta1.'.length)]);
    }
    for (const answer of answers) expectNoSecrets(answer.body + answer.headers, secrets);
    expectNoSecrets(text(), secrets);
  });
});
