import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import {
  KeyRing,
  createRing,
  deriveKeyId,
  formatCompactRing,
  parseKeyRingText,
  parseKeyText,
  serializeRing,
  type RingDocument,
} from 'nestjs-token-auth';
import {
  createRotationHandler,
  createSecretRing,
  readSecretRing,
  rotateSecret,
  rotationRequestToken,
} from 'nestjs-token-auth/aws';
import { initCommand, rotateCommand } from '../../libs/token-auth/src/cli/secret.commands.js';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  LocalSecretsManager,
} from '../support/secrets-manager/local-secrets-manager.js';
import { localClient, ringOf } from '../support/secrets-manager/helpers.js';

const local = new LocalSecretsManager();
let client: SecretsManagerClient;
let count = 0;
const HOUR = 3600;

const savedEnv = { ...process.env };

beforeAll(async () => {
  // The CLI takes credentials from the SDK's default chain, as in production.
  Object.assign(process.env, credentials());
  await local.start();
  client = localClient(local.endpoint, 3);
});

afterAll(async () => {
  process.env = savedEnv;
  client.destroy();
  await local.stop();
});

/** A secret whose ring was created `age` seconds ago, so its next key may be promoted. */
async function secretWithRing(age = HOUR): Promise<{ secretId: string; ring: RingDocument }> {
  const secretId = `app/rotation-${++count}`;
  const ring = createRing(new Date(Date.now() - age * 1000));
  await client.send(new CreateSecretCommand({ Name: secretId, SecretString: serializeRing(ring) }));
  return { secretId, ring };
}

function ringAt(secretId: string, stage = AWSCURRENT): RingDocument {
  return { keys: parseKeyRingText(local.valueAt(secretId, stage)!, 'test') as RingDocument['keys'] };
}

const activeId = (ring: RingDocument): string => ring.keys.find((key) => key.state === 'active')!.id;

describe('rotateSecret', () => {
  it('writes the rotated ring as AWSCURRENT with a token derived from the version it started from', async () => {
    const { secretId, ring } = await secretWithRing();
    const before = Object.keys(local.stagesOf(secretId))[0]!;
    const outcome = await rotateSecret({ client, secretId, gracePeriod: 2 * HOUR, refreshInterval: 300 });
    expect(outcome).toMatchObject({
      changed: true,
      previousVersionId: before,
      versionId: rotationRequestToken(before),
    });
    expect(local.stagesOf(secretId)).toEqual({ [before]: [AWSPREVIOUS], [outcome.versionId]: [AWSCURRENT] });
    const rotated = ringAt(secretId);
    expect(activeId(rotated)).toBe(ring.keys[1]!.id);
    expect(() => KeyRing.from(rotated.keys)).not.toThrow();
  });

  it('a step retried after a lost reply writes one version', async () => {
    const { secretId } = await secretWithRing();
    const puts = local.count('PutSecretValue');
    // The first PutSecretValue lands but answers after the timeout; the step retries with the same token and value.
    local.fail({ type: 'slow', ms: 400 }, { operation: 'PutSecretValue' });
    const outcome = await rotateSecret({
      client,
      secretId,
      gracePeriod: 2 * HOUR,
      refreshInterval: 300,
      requestTimeout: 200,
    });
    expect(outcome.changed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(local.count('PutSecretValue') - puts).toBe(2);
    expect(Object.keys(local.stagesOf(secretId))).toHaveLength(2);
  });

  it('two steps from the same version write one: the second finds it done', async () => {
    const { secretId } = await secretWithRing();
    const now = new Date();
    const base = await readSecretRing(client, secretId, now);
    const first = await rotateSecret({ client, secretId, gracePeriod: 2 * HOUR, refreshInterval: 300, now });
    // A concurrent rotator that read the same base version writes under the same token, with other random keys.
    const rejected = await client
      .send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: rotationRequestToken(base.versionId),
          SecretString: ringOf('active').text,
        }),
      )
      .catch((error: Error) => error.name);
    expect(rejected).toBe('ResourceExistsException');
    expect(local.stagesOf(secretId)[first.versionId]).toEqual([AWSCURRENT]);
  });

  it('refuses a second scheduled step within one refresh interval, and allows an emergency one', async () => {
    const { secretId, ring } = await secretWithRing();
    await rotateSecret({ client, secretId, gracePeriod: 2 * HOUR, refreshInterval: 300 });
    await expect(rotateSecret({ client, secretId, gracePeriod: 2 * HOUR, refreshInterval: 300 })).rejects.toThrow(
      /less than one refresh interval/,
    );
    const compromised = activeId(ringAt(secretId));
    const outcome = await rotateSecret({
      client,
      secretId,
      gracePeriod: 2 * HOUR,
      refreshInterval: 300,
      emergency: true,
    });
    expect(outcome.result).toMatchObject({ revoked: compromised, dropped: [] });
    // Kept one step, retired as of now, so that instances see it retired rather than lost; it verifies nothing.
    const after = ringAt(secretId);
    const retired = after.keys.find((key) => key.id === compromised)!;
    expect(retired.retireAfter).toBe(retired.signedUntil);
    expect(KeyRing.from(after.keys).keyFor(compromised, 'access', Date.now(), Date.now(), 0)).toBeUndefined();
    expect(after.keys.map((key) => key.id)).toContain(ring.keys[0]!.id);
  });
});

describe('CLI commands', () => {
  it('init creates a ring with an active and a next key; init again is refused', async () => {
    const secretId = `app/cli-${++count}`;
    const out = JSON.parse(
      await initCommand(
        ['--secret-id', secretId, '--endpoint', local.endpoint, '--region', 'us-east-1'],
        credentials(),
      ),
    );
    expect(out.keys.map((key: { state: string }) => key.state)).toEqual(['active', 'verify-only']);
    expect(JSON.stringify(out)).not.toContain(ringAt(secretId).keys[0]!.key);
    const again = await initCommand(
      ['--secret-id', secretId, '--endpoint', local.endpoint, '--region', 'us-east-1'],
      credentials(),
    ).catch((error: Error) => `${error.name}: ${error.message}`);
    expect(again).toBe(
      `ResourceExistsException: ${secretId} already exists; rotate it instead of creating it (CreateSecret, HTTP 400)`,
    );
  });

  it('init --import-env migrates TOKEN_AUTH_KEYS; rotate then publishes a next key', async () => {
    const secretId = `app/cli-${++count}`;
    const old = ringOf('active');
    const env = {
      ...credentials(),
      AWS_SECRETS_MANAGER_ENDPOINT: local.endpoint,
      AWS_REGION: 'us-east-1',
      TOKEN_AUTH_KEYS: formatCompactRing(old.keys),
    };
    await initCommand(['--secret-id', secretId, '--import-env', 'TOKEN_AUTH_KEYS'], env);
    expect(ringAt(secretId).keys.map((key) => key.id)).toEqual([old.keys[0]!.id]);
    const out = JSON.parse(await rotateCommand(['--secret-id', secretId, '--refresh-seconds', '60'], env));
    expect(out).toMatchObject({ changed: true, active: old.keys[0]!.id, activated: null, retiring: null, dropped: [] });
    expect(ringAt(secretId).keys).toHaveLength(2);
  });

  it('init --import-env and rotate read raw keys only with --allow-raw-keys, and write them as key texts', async () => {
    const bytes = randomBytes(32);
    const id = deriveKeyId(bytes);
    const env = {
      ...credentials(),
      AWS_SECRETS_MANAGER_ENDPOINT: local.endpoint,
      AWS_REGION: 'us-east-1',
      TOKEN_AUTH_KEYS: `${id}:${bytes.toString('base64url')}`,
    };
    const secretId = `app/cli-${++count}`;
    const args = ['--secret-id', secretId, '--import-env', 'TOKEN_AUTH_KEYS'];
    await expect(initCommand(args, env)).rejects.toThrow(
      new RegExp(`key "${id}": the key is raw text, not a key text .*--allow-raw-keys for init and rotate`),
    );
    await initCommand([...args, '--allow-raw-keys'], env);
    const [imported] = ringAt(secretId).keys;
    expect(imported).toMatchObject({ id, state: 'active' });
    expect(parseKeyText(imported!.key, 'imported')).toEqual(bytes);

    // A secret written before key texts: raw keys, no count. rotate converts it when told to.
    const legacyId = `app/cli-${++count}`;
    const legacy = {
      keys: [{ id, key: bytes.toString('base64url'), state: 'active', createdAt: '2026-01-01T00:00:00Z' }],
    };
    await client.send(new CreateSecretCommand({ Name: legacyId, SecretString: JSON.stringify(legacy) }));
    const rotate = ['--secret-id', legacyId, '--refresh-seconds', '60'];
    await expect(rotateCommand(rotate, env)).rejects.toThrow(/the key is raw text/);
    await rotateCommand([...rotate, '--allow-raw-keys'], env);
    const written = JSON.parse(local.valueAt(legacyId, AWSCURRENT)!) as { count: number; keys: { key: string }[] };
    expect(written.count).toBe(2);
    expect(written.keys.every((key) => key.key.startsWith('nta-key-v1.'))).toBe(true);
    expect(KeyRing.from(ringAt(legacyId).keys).get(id)?.raw).toBe(false);
  });

  it('rotate reports key ids only', async () => {
    const { secretId, ring } = await secretWithRing();
    const text = await rotateCommand(
      ['--secret-id', secretId, '--endpoint', local.endpoint, '--region', 'us-east-1', '--grace-seconds', '7200'],
      credentials(),
    );
    const out = JSON.parse(text);
    expect(out).toMatchObject({
      secretId,
      changed: true,
      active: ring.keys[1]!.id,
      activated: ring.keys[1]!.id,
      retiring: ring.keys[0]!.id,
    });
    for (const key of ringAt(secretId).keys) expect(text).not.toContain(key.key);
  });

  it.each([
    [[], '--secret-id is required'],
    [['--secret-id'], '--secret-id needs a value'],
    [['--secret-id', 's', '--grace-seconds', 'soon'], '--grace-seconds must be a number of seconds'],
    [['--secret', 's'], 'unknown argument "--secret"'],
  ])('rotate %j is a usage error', async (args, message) => {
    await expect(rotateCommand(args, {})).rejects.toThrow(message);
  });
});

describe('rotation function handler', () => {
  it('createSecret, setSecret, testSecret and finishSecret perform one step, each idempotent', async () => {
    const { secretId, ring } = await secretWithRing();
    const handler = createRotationHandler({ client, gracePeriod: 2 * HOUR, refreshInterval: 300 });
    const token = '6f1c2d3e-0000-4000-8000-000000000001';
    const original = Object.keys(local.stagesOf(secretId))[0]!;
    for (const Step of ['createSecret', 'createSecret', 'setSecret', 'testSecret'] as const) {
      await handler({ Step, SecretId: secretId, ClientRequestToken: token });
    }
    expect(local.stagesOf(secretId)).toEqual({ [original]: [AWSCURRENT], [token]: [AWSPENDING] });
    expect(activeId(ringAt(secretId, AWSPENDING))).toBe(ring.keys[1]!.id);

    await handler({ Step: 'finishSecret', SecretId: secretId, ClientRequestToken: token });
    await handler({ Step: 'finishSecret', SecretId: secretId, ClientRequestToken: token });
    expect(local.stagesOf(secretId)).toEqual({ [original]: [AWSPREVIOUS], [token]: [AWSCURRENT] });
    expect(activeId(ringAt(secretId))).toBe(ring.keys[1]!.id);
  });

  it('testSecret fails on an invalid pending ring, so finishSecret never runs', async () => {
    const { secretId } = await secretWithRing();
    const token = '6f1c2d3e-0000-4000-8000-000000000002';
    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: ringOf('active', 'active').text,
        VersionStages: [AWSPENDING],
      }),
    );
    const handler = createRotationHandler({ client, gracePeriod: 2 * HOUR, refreshInterval: 300 });
    await expect(handler({ Step: 'testSecret', SecretId: secretId, ClientRequestToken: token })).rejects.toThrow(
      '2 active keys',
    );
  });

  it('createSecret refuses to promote a next key younger than the refresh interval', async () => {
    const { secretId } = await secretWithRing(10);
    const handler = createRotationHandler({ client, gracePeriod: 2 * HOUR, refreshInterval: 300 });
    await expect(
      handler({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: '6f1c2d3e-0000-4000-8000-000000000003' }),
    ).rejects.toThrow(/less than one refresh interval/);
  });
});

describe('createSecretRing', () => {
  it('stores a ring every provider can read', async () => {
    const secretId = `app/created-${++count}`;
    const { ring } = await createSecretRing({ client, secretId });
    expect(ringAt(secretId)).toEqual(ring);
  });
});

function credentials(): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-secret' };
}
