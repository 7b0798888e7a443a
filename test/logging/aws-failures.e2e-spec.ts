import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { generateKey, KeyRingManager, parseKeyText, TokenService } from 'nestjs-token-auth';
import { AwsSecretsManagerKeyProvider } from 'nestjs-token-auth/aws';
import { REPO_ROOT } from '../demo/support/built-demo.js';
import { freePort } from '../support/redis-server.js';
import { LocalSecretsManager, type Fault } from '../support/secrets-manager/local-secrets-manager.js';
import { guardedAppModule } from './guarded-app.js';
import { captureOutput, expectNoSecrets, secretForms } from './output-capture.js';

jest.setTimeout(30_000);

describe('secrets never logged: AWS Secrets Manager failures', () => {
  const local = new LocalSecretsManager();
  // Credentials the SDK signs with: they must never reach a log line either.
  const credentials = {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const clients: SecretsManagerClient[] = [];
  let admin: SecretsManagerClient;
  let app: INestApplication | undefined;
  let capture: ReturnType<typeof captureOutput> | undefined;
  let secrets = 0;

  const client = (): SecretsManagerClient => {
    const made = new SecretsManagerClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    await local.start();
    admin = client();
  });

  afterEach(async () => {
    local.clearFaults();
    await app?.close();
    app = undefined;
    capture?.stop();
  });

  afterAll(async () => {
    for (const made of clients) made.destroy();
    await local.stop();
  });

  function secretMap(keys: { key: string }[], texts: string[]): Map<string, string[]> {
    const map = new Map<string, string[]>([
      ['the secret access key', [credentials.secretAccessKey]],
      ['the access key id', [credentials.accessKeyId]],
    ]);
    keys.forEach(({ key }, index) =>
      map.set(
        `key #${index + 1}`,
        secretForms(key.startsWith('nta-key-') ? parseKeyText(key, 'test key') : Buffer.from(key, 'base64url')),
      ),
    );
    texts.forEach((text, index) => map.set(`secret value #${index + 1}`, [text]));
    return map;
  }

  it('logs refresh failures (AWS errors, a malformed answer, a timeout, invalid rings) without keys, secret values or credentials', async () => {
    const first = [generateKey()];
    const firstText = JSON.stringify({ count: first.length, keys: first });
    const secretId = `app/token-keys-${++secrets}`;
    await admin.send(new CreateSecretCommand({ Name: secretId, SecretString: firstText }));
    capture = captureOutput();
    const provider = new AwsSecretsManagerKeyProvider({
      secretId,
      client: client(),
      refreshInterval: 300,
      requestTimeout: 200,
    });
    app = await NestFactory.create(guardedAppModule({ keyProvider: provider }), {
      logger: capture.logger,
      abortOnError: false,
    });
    await app.init();
    const manager = app.get(KeyRingManager);
    const token = app.get(TokenService).issue('user-1').token;

    const faults: Fault[] = [
      { type: 'AccessDeniedException' },
      { type: 'DecryptionFailure' },
      { type: 'InternalServiceError' },
      { type: 'malformed' },
      { type: 'slow', ms: 1000 },
    ];
    for (const fault of faults) {
      local.fail(fault, { operation: 'GetSecretValue' });
      await manager.refresh();
    }
    const leaked = generateKey();
    const shortKey = randomBytes(16).toString('base64url');
    const invalidTexts = [
      JSON.stringify({ count: first.length + 1, keys: [...first, { ...leaked, state: 'active' }] }),
      JSON.stringify({
        count: first.length + 1,
        keys: [...first, { ...leaked, id: 'mistyped', state: 'verify-only' }],
      }),
      JSON.stringify({
        count: first.length + 1,
        keys: [...first, { id: 'short', key: shortKey, state: 'verify-only' }],
      }),
      JSON.stringify({ count: first.length + 2, keys: [...first, leaked] }),
      `{"keys":[${JSON.stringify(leaked)}`,
      `not json ${leaked.key}`,
    ];
    for (const text of invalidTexts) {
      await admin.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: text }));
      await manager.refresh();
    }

    const output = capture.text();
    const failures = output.split('\n').filter((line) => /key ring refresh from .* failed/.test(line));
    expect(failures).toHaveLength(faults.length + invalidTexts.length);
    expect(manager.current.active.id).toBe(first[0]!.id);
    // The guard still works on the last good ring and echoes nothing.
    const bad = await request(app.getHttpServer()).get('/private').set('Authorization', `Bearer ${token}x`);
    expect(bad.status).toBe(401);

    const map = secretMap([...first, leaked, { key: shortKey }], [firstText, ...invalidTexts]);
    map.set('the token', [token, token.slice('nta1.'.length)]);
    expectNoSecrets(output, map);
    expectNoSecrets(JSON.stringify(manager.health()), map);
    expectNoSecrets(bad.text, map);
  });

  it('stops startup on an unreachable endpoint with the cause: the refused connection and where it went', async () => {
    const port = await freePort();
    const unreachable = new SecretsManagerClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    clients.push(unreachable);
    capture = captureOutput();
    const provider = new AwsSecretsManagerKeyProvider({
      secretId: 'app/unreachable',
      client: unreachable,
      refreshInterval: 300,
    });
    const error = await NestFactory.create(guardedAppModule({ keyProvider: provider }), {
      logger: capture.logger,
      abortOnError: false,
    }).then(
      (started) => {
        app = started;
        return new Error('the app started');
      },
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toContain(`the request for app/unreachable failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    expectNoSecrets(`${error.message}\n${capture.text()}`, secretMap([], []));
  });

  it('the CLI, outside Jest, reports an unreachable endpoint with the cause from the error itself', async () => {
    const port = await freePort();
    const cli = join(REPO_ROOT, 'libs/token-auth/bin/nestjs-token-auth.js');
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const failure = await promisify(execFile)(
      process.execPath,
      [cli, 'rotate', '--secret-id', 'app/keys', '--endpoint', `http://127.0.0.1:${port}`],
      { env },
    ).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `error: ECONNREFUSED: the request for app/keys failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expectNoSecrets(failure!.stderr, secretMap([], []));
  });

  it('stops startup on an unusable secret with a message that names it, without its value', async () => {
    const leaked = generateKey();
    const text = JSON.stringify({ count: 1, keys: [{ ...leaked, id: 'mistyped' }] });
    const secretId = `app/token-keys-${++secrets}`;
    await admin.send(new CreateSecretCommand({ Name: secretId, SecretString: text }));
    capture = captureOutput();
    const provider = new AwsSecretsManagerKeyProvider({ secretId, client: client(), refreshInterval: 300 });
    const error = await NestFactory.create(guardedAppModule({ keyProvider: provider }), {
      logger: capture.logger,
      abortOnError: false,
    }).then(
      (started) => {
        app = started;
        return new Error('the app started');
      },
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toContain(secretId);
    expect(error.message).toMatch(/id does not match the key/);
    expectNoSecrets(`${error.message}\n${capture.text()}`, secretMap([leaked], [text]));
  });
});
