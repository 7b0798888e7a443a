import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { createRing, serializeRing } from 'nestjs-token-auth';
import { BuiltDemo, cleanEnv, ensureBuilt } from '../demo/support/built-demo.js';
import { LocalSecretsManager, type Fault } from '../support/secrets-manager/local-secrets-manager.js';
import { localClient } from '../support/secrets-manager/helpers.js';

/** The built demo reading its ring from the local Secrets Manager endpoint: startup succeeds or stops with one line. */
describe('the built demo with TOKEN_AUTH_SECRET_ID', () => {
  const local = new LocalSecretsManager();
  let workDir: string;
  let demo: BuiltDemo | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    await local.start();
    const client = localClient(local.endpoint);
    await client.send(
      new CreateSecretCommand({ Name: 'demo/keys', SecretString: serializeRing(createRing(new Date())) }),
    );
    client.destroy();
  }, 120_000);

  afterEach(async () => {
    local.clearFaults();
    await demo?.kill();
    demo = undefined;
    rmSync(workDir, { recursive: true, force: true });
  });

  afterAll(() => local.stop());

  function start(secretId: string): BuiltDemo {
    workDir = mkdtempSync(join(tmpdir(), 'demo-aws-'));
    demo = new BuiltDemo(
      cleanEnv({
        PORT: '0',
        DEMO_DB_PATH: ':memory:',
        TOKEN_AUTH_SECRET_ID: secretId,
        AWS_REGION: 'us-east-1',
        AWS_SECRETS_MANAGER_ENDPOINT: local.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'local-secret',
      }),
      workDir,
    );
    return demo;
  }

  it('serves with the ring of the secret, named on /health/details and not on the public /health', async () => {
    const app = start('demo/keys');
    const url = await app.listening();
    expect(await (await fetch(`${url}/health`)).text()).not.toContain('demo/keys');
    const credentials = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops', password: 'correct horse battery' }),
    };
    expect((await fetch(`${url}/auth/register`, credentials)).status).toBe(201);
    const { access_token: token } = (await (await fetch(`${url}/auth/login`, credentials)).json()) as {
      access_token: string;
    };
    const details = await fetch(`${url}/health/details`, { headers: { authorization: `Bearer ${token}` } });
    expect(await details.text()).toContain('AWS Secrets Manager secret demo/keys');
  }, 20_000);

  it.each<[string, Fault | undefined, string, RegExp]>([
    [
      'AccessDenied',
      { type: 'AccessDeniedException' },
      'demo/keys',
      /AccessDeniedException: the role needs secretsmanager:GetSecretValue on demo\/keys/,
    ],
    [
      'a missing secret',
      undefined,
      'demo/absent',
      /ResourceNotFoundException: no secret demo\/absent in this account and region/,
    ],
    ['DecryptionFailure', { type: 'DecryptionFailure' }, 'demo/keys', /DecryptionFailure: the role needs kms:Decrypt/],
  ])('stops on %s with one line naming the secret and the code', async (_name, fault, secretId, message) => {
    if (fault) local.fail(fault, { times: Infinity });
    const app = start(secretId);
    expect((await app.exited).code).toBe(1);
    const lines = app.stderr.split('\n').filter((line) => line.startsWith('demo: '));
    expect(lines).toEqual([
      expect.stringMatching(/^demo: cannot start: cannot load the key ring from AWS Secrets Manager secret /),
    ]);
    expect(lines[0]).toMatch(message);
    expect(app.stdout).not.toMatch(/listening on/);
  });
});
