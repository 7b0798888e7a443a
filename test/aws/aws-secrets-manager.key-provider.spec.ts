import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  KeyRingManager,
  StaticKeyProvider,
  TokenAuthConfigError,
  TokenAuthGuard,
  TokenAuthModule,
  TokenService,
  deriveKeyId,
  generateKey,
} from 'nestjs-token-auth';
import { AwsSecretsManagerKeyProvider, type AwsSecretsManagerKeyProviderOptions } from 'nestjs-token-auth/aws';
import { LocalSecretsManager, type Fault } from '../support/secrets-manager/local-secrets-manager.js';
import {
  CapturingLogger,
  localClient,
  ringOf,
  successorOf,
  until,
  type TextKey,
} from '../support/secrets-manager/helpers.js';
import { codeOf } from '../support/error-code.js';

const local = new LocalSecretsManager();
let admin: SecretsManagerClient;
const clients: SecretsManagerClient[] = [];
const managers: KeyRingManager[] = [];
let secretCount = 0;

beforeAll(async () => {
  await local.start();
  admin = localClient(local.endpoint, 3);
});

afterEach(() => {
  jest.restoreAllMocks();
  local.clearFaults();
  for (const manager of managers.splice(0)) manager.onModuleDestroy();
});

afterAll(async () => {
  admin.destroy();
  for (const client of clients) client.destroy();
  await local.stop();
});

async function createSecret(text?: string): Promise<string> {
  const name = `app/token-keys-${++secretCount}`;
  await admin.send(new CreateSecretCommand({ Name: name, ...(text !== undefined && { SecretString: text }) }));
  return name;
}

async function put(secretId: string, text: string, stages?: string[]): Promise<void> {
  await admin.send(
    new PutSecretValueCommand({ SecretId: secretId, SecretString: text, ...(stages && { VersionStages: stages }) }),
  );
}

function provider(
  secretId: string,
  options: Partial<AwsSecretsManagerKeyProviderOptions> = {},
): AwsSecretsManagerKeyProvider {
  const client = localClient(local.endpoint);
  clients.push(client);
  return new AwsSecretsManagerKeyProvider({ secretId, client, refreshInterval: 300, ...options });
}

function manager(p: AwsSecretsManagerKeyProvider, logger = new CapturingLogger()): KeyRingManager {
  const m = new KeyRingManager(p, logger);
  managers.push(m);
  return m;
}

function expectNoKeyMaterial(lines: string[], keys: TextKey[]): void {
  for (const line of lines) for (const key of keys) expect(line).not.toContain(key.key);
}

async function tokenServiceFor(keyProvider: StaticKeyProvider | AwsSecretsManagerKeyProvider): Promise<TokenService> {
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forRoot({ keyProvider })] }).compile();
  managers.push(moduleRef.get(KeyRingManager));
  return moduleRef.get(TokenService);
}

describe('AwsSecretsManagerKeyProvider, ring mode', () => {
  it('loads the ring with one GetSecretValue and reports ids and states, never key bytes', async () => {
    const ring = ringOf('active', 'verify-only');
    const secretId = await createSecret(ring.text);
    const before = local.count('GetSecretValue');
    const m = manager(provider(secretId));
    await m.start();
    expect(local.count('GetSecretValue') - before).toBe(1);
    expect(m.current.active.id).toBe(ring.keys[0]!.id);
    const health = m.health();
    expect(health.source).toBe(`AWS Secrets Manager secret ${secretId}`);
    expect(health.keys.map(({ id, state }) => ({ id, state }))).toEqual(
      ring.keys.map(({ id, state }) => ({ id, state })),
    );
    expect(health.lastError).toBeUndefined();
    expect(JSON.stringify(health)).not.toContain(ring.keys[0]!.key);
  });

  it('swaps in a new ring at a background refresh', async () => {
    const first = ringOf('active');
    const secretId = await createSecret(first.text);
    const m = manager(provider(secretId, { refreshInterval: 0.1 }));
    await m.start();
    const second = successorOf(first);
    await put(secretId, second.text);
    await until(() => m.current.active.id === second.keys[0]!.id, 3000, 'the new ring');
    expect(m.current.get(first.keys[0]!.id)?.state).toBe('verify-only');
  });

  it('refuses a raw-key ring without allowRawKeys, and with it loads the ring and warns naming the key', async () => {
    const bytes = randomBytes(32);
    const id = deriveKeyId(bytes);
    // As a secret written before key texts holds it: raw base64url, no count.
    const secretId = await createSecret(
      JSON.stringify({ keys: [{ id, key: bytes.toString('base64url'), state: 'active' }] }),
    );
    const error = await manager(provider(secretId))
      .start()
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(`key "${id}": the key is raw text, not a key text`);
    const logger = new CapturingLogger();
    const m = manager(provider(secretId, { allowRawKeys: true }), logger);
    await m.start();
    expect(m.current.active).toMatchObject({ id, raw: true });
    expect(logger.lines.join('\n')).toContain(`key "${id}" is raw bytes, not key texts, accepted because allowRawKeys`);
    expect(logger.lines.join('\n')).not.toContain(bytes.toString('base64url'));
  });

  it('keeps the last good ring when the secret loses a key still in use, and reports it', async () => {
    const first = ringOf('active', 'verify-only');
    const secretId = await createSecret(first.text);
    const logger = new CapturingLogger();
    const m = manager(provider(secretId), logger);
    await m.start();
    const [, lost] = first.keys;
    await put(secretId, JSON.stringify({ count: 1, keys: [first.keys[0]] }));
    await m.refresh();
    expect(m.current.get(lost!.id)).toBeDefined();
    expect(m.health().lastError?.message).toContain(`lacks key "${lost!.id}" (verify-only, with no retireAfter)`);
    expect(logger.lines.join('\n')).toContain(`keeping the last good ring: TokenAuthConfigError: the ring from AWS`);
    expectNoKeyMaterial(logger.lines, first.keys);
  });

  describe('stops startup with a message naming the secret and the AWS error code', () => {
    const cases: [string, Fault, string][] = [
      [
        'AccessDenied',
        { type: 'AccessDeniedException' },
        'AccessDeniedException: the role needs secretsmanager:GetSecretValue on ',
      ],
      [
        'DecryptionFailure',
        { type: 'DecryptionFailure' },
        'DecryptionFailure: the role needs kms:Decrypt on the KMS key that encrypts ',
      ],
      [
        'throttling',
        { type: 'ThrottlingException' },
        'ThrottlingException: Secrets Manager throttled the request for ',
      ],
      ['a 500', { type: 'InternalServiceError' }, 'InternalServiceError: Secrets Manager failed to serve '],
      ['a malformed body', { type: 'malformed' }, 'SyntaxError: the answer for '],
      [
        'a response slower than the timeout',
        { type: 'slow', ms: 1000 },
        'RequestTimeout: no answer to GetSecretValue on ',
      ],
    ];
    it.each(cases)('%s', async (_name, fault, expected) => {
      const secretId = await createSecret(ringOf('active').text);
      local.fail(fault, { times: Infinity });
      const error = await manager(provider(secretId, { requestTimeout: 200 }))
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenAuthConfigError);
      expect((error as Error).message).toContain(
        `cannot load the key ring from AWS Secrets Manager secret ${secretId}`,
      );
      expect((error as Error).message).toContain(`${expected}${fault.type === 'slow' ? `"${secretId}"` : secretId}`);
    });

    it('a secret that does not exist', async () => {
      const error = await manager(provider('app/missing'))
        .start()
        .catch((e: unknown) => e);
      expect((error as Error).message).toContain(
        'ResourceNotFoundException: no secret app/missing in this account and region (check the id and AWS_REGION) (GetSecretValue, HTTP 400)',
      );
    });

    it('an invalid ring', async () => {
      const ring = ringOf('verify-only');
      const secretId = await createSecret(ring.text);
      const error = await manager(provider(secretId))
        .start()
        .catch((e: unknown) => e);
      expect((error as Error).message).toContain('0 active keys');
      expect((error as Error).message).not.toContain(ring.keys[0]!.key);
    });

    it('through TokenAuthModule: the application does not start', async () => {
      const secretId = await createSecret(ringOf('active').text);
      local.fail({ type: 'AccessDeniedException' }, { times: Infinity });
      await expect(tokenServiceFor(provider(secretId))).rejects.toThrow(
        `AccessDeniedException: the role needs secretsmanager:GetSecretValue on ${secretId}`,
      );
    });
  });

  describe('keeps serving the last good ring when a refresh fails, logs the code, then recovers', () => {
    const cases: [string, Fault | 'deleted', string][] = [
      ['throttling', { type: 'ThrottlingException' }, 'ThrottlingException'],
      ['a 500', { type: 'InternalServiceError' }, 'InternalServiceError'],
      ['AccessDenied', { type: 'AccessDeniedException' }, 'AccessDeniedException'],
      ['DecryptionFailure', { type: 'DecryptionFailure' }, 'DecryptionFailure'],
      ['a secret gone missing', { type: 'ResourceNotFoundException' }, 'ResourceNotFoundException'],
      ['a deleted secret', 'deleted', 'InvalidRequestException'],
      ['a timeout', { type: 'slow', ms: 1000 }, 'RequestTimeout'],
      ['a malformed body', { type: 'malformed' }, 'SyntaxError'],
    ];
    it.each(cases)('%s', async (_name, fault, code) => {
      const first = ringOf('active');
      const second = successorOf(first);
      const secretId = await createSecret(first.text);
      const logger = new CapturingLogger();
      const m = manager(provider(secretId, { requestTimeout: 200 }), logger);
      await m.start();
      await put(secretId, second.text);
      if (fault === 'deleted') await admin.send(new DeleteSecretCommand({ SecretId: secretId }));
      else local.fail(fault, { operation: 'GetSecretValue', times: Infinity });

      await m.refresh();
      expect(m.current.active.id).toBe(first.keys[0]!.id);
      expect(m.health().lastError?.message).toMatch(new RegExp(`^${code}: `));
      expect(logger.lines.join('\n')).toContain(`keeping the last good ring: ${code}: `);
      expectNoKeyMaterial(logger.lines, [...first.keys, ...second.keys]);
      if (fault === 'deleted') return;

      local.clearFaults();
      await m.refresh();
      expect(m.current.active.id).toBe(second.keys[0]!.id);
      expect(m.health().lastError).toBeUndefined();
    });
  });

  describe('rejects an invalid new ring and keeps the old one', () => {
    const twoActive = (): string => ringOf('active', 'active').text;
    const duplicate = (): string => {
      const key = generateKey();
      return JSON.stringify({ count: 2, keys: [key, { ...key, state: 'verify-only' }] });
    };
    const raw = (): string => {
      const bytes = randomBytes(32);
      return JSON.stringify({
        count: 1,
        keys: [{ id: deriveKeyId(bytes), key: bytes.toString('base64url'), state: 'active' }],
      });
    };
    const uncounted = (): string => JSON.stringify({ keys: ringOf('active', 'verify-only').keys });
    const cases: [string, () => string, string][] = [
      ['not JSON', () => '{"keys": [', 'not valid JSON'],
      ['two active keys', twoActive, '2 active keys'],
      ['a duplicate id', duplicate, 'duplicate key id'],
      ['a raw key', raw, 'the key is raw text, not a key text'],
      ['a ring without its count', uncounted, 'does not say how many keys it holds ("count": 2)'],
      ['a key text cut short', () => ringOf('active').text.replace(/\.[\w-]{8}"/, '.abc"'), 'checksum does not match'],
    ];
    it.each(cases)('%s', async (_name, text, message) => {
      const first = ringOf('active');
      const secretId = await createSecret(first.text);
      const logger = new CapturingLogger();
      const m = manager(provider(secretId), logger);
      await m.start();
      const bad = text();
      await put(secretId, bad);
      await m.refresh();
      expect(m.current.active.id).toBe(first.keys[0]!.id);
      expect(m.health().lastError?.message).toContain(message);
      expect(logger.lines.join('\n')).toContain(message);
      for (const keyText of bad.match(/[A-Za-z0-9_-]{40,}/g) ?? [])
        expect(logger.lines.join('\n')).not.toContain(keyText);
    });
  });

  it('runs one refresh at a time: concurrent refreshes share one request', async () => {
    const secretId = await createSecret(ringOf('active').text);
    const m = manager(provider(secretId));
    await m.start();
    local.fail({ type: 'slow', ms: 200 }, { operation: 'GetSecretValue' });
    const before = local.count('GetSecretValue');
    await Promise.all([m.refresh(), m.refresh(), m.refresh(), m.refresh()]);
    expect(local.count('GetSecretValue') - before).toBe(1);
  });

  it('keeps retrying in the background after failures and recovers on its own', async () => {
    const first = ringOf('active');
    const secretId = await createSecret(first.text);
    const m = manager(provider(secretId, { refreshInterval: 0.2 }));
    await m.start();
    const next = successorOf(first);
    await put(secretId, next.text);
    const before = local.count('GetSecretValue');
    local.fail({ type: 'ThrottlingException' }, { operation: 'GetSecretValue', times: Infinity });
    await until(() => local.count('GetSecretValue') - before >= 3, 5000, 'three failed attempts');
    expect(m.current.active.id).not.toBe(next.keys[0]!.id);
    local.clearFaults();
    await until(() => m.current.active.id === next.keys[0]!.id, 5000, 'recovery');
  });

  it('refreshes once on a token signed by an unknown key, at most once per 30 s, and still rejects it', async () => {
    const current = generateKey('active');
    const next = generateKey('verify-only');
    const secretId = await createSecret(JSON.stringify({ count: 1, keys: [current] }));
    const verifier = await tokenServiceFor(provider(secretId));
    // Another instance already signs with the next key, published after this one last refreshed.
    await put(
      secretId,
      JSON.stringify({
        count: 2,
        keys: [
          { ...next, state: 'active' },
          { ...current, state: 'verify-only' },
        ],
      }),
    );
    const signer = await tokenServiceFor(new StaticKeyProvider([{ ...next, state: 'active' }]));
    const { token } = signer.issue('user-1');

    const before = local.count('GetSecretValue');
    expect(codeOf(() => verifier.verify(token))).toBe('unknown_key');
    await until(() => codeOf(() => verifier.verify(token)) === undefined, 3000, 'the refreshed ring');
    expect(local.count('GetSecretValue') - before).toBe(1);

    const stranger = await tokenServiceFor(new StaticKeyProvider([generateKey()]));
    for (let i = 0; i < 50; i++)
      expect(codeOf(() => verifier.verify(stranger.issue(`u${i}`).token))).toBe('unknown_key');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(local.count('GetSecretValue') - before).toBe(1);
  });

  it('on an unknown key during an outage: one attempt, the token still rejected, the ring kept', async () => {
    const secretId = await createSecret(ringOf('active').text);
    const verifier = await tokenServiceFor(provider(secretId));
    const own = verifier.issue('user-1').token;
    // The failed attempt schedules its own retry at a random point of the next 2 s: pinned to the end, so what is
    // counted below is what the unknown keys caused.
    jest.spyOn(Math, 'random').mockReturnValue(0.99);
    local.fail({ type: 'InternalServiceError' }, { times: Infinity });
    const stranger = await tokenServiceFor(new StaticKeyProvider([generateKey()]));
    const before = local.count('GetSecretValue');
    for (let i = 0; i < 20; i++) expect(codeOf(() => verifier.verify(stranger.issue('u').token))).toBe('unknown_key');
    await until(() => local.count('GetSecretValue') - before === 1, 3000, 'the one refresh');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(local.count('GetSecretValue') - before).toBe(1);
    expect(verifier.verify(own).sub).toBe('user-1');
  });
});

@Controller()
class ProbeController {
  @Get('me')
  me(): string {
    return 'ok';
  }
}

describe('maxStaleness', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('fails closed with key_ring_stale (503) after maxStaleness without a good refresh, and reopens on recovery', async () => {
    const secretId = await createSecret(ringOf('active').text);
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forRoot({ keyProvider: provider(secretId, { refreshInterval: 0.1, maxStaleness: 0.4 }) }),
      ],
      controllers: [ProbeController],
      providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const tokens = app.get(TokenService);
    const keys = app.get(KeyRingManager);
    const { token } = tokens.issue('user-1');
    await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(keys.health().stale).toBe(false);

    local.fail({ type: 'InternalServiceError' }, { times: Infinity });
    await until(() => keys.health().stale === true, 5000, 'staleness');
    expect(codeOf(() => tokens.verify(token))).toBe('key_ring_stale');
    expect(codeOf(() => tokens.issue('user-2'))).toBe('key_ring_stale');
    // An unknown key changes nothing: the ring itself is not trusted, so the answer is still 503, not 401.
    const stranger = (await tokenServiceFor(new StaticKeyProvider([generateKey()]))).issue('user-3').token;
    expect(codeOf(() => tokens.verify(stranger))).toBe('key_ring_stale');
    const stale = await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${token}`).expect(503);
    expect(stale.body).toMatchObject({ statusCode: 503, code: 'key_ring_stale' });
    expect(keys.health().lastError?.message).toMatch(/^InternalServiceError: /);

    local.clearFaults();
    await until(() => keys.health().stale === false, 5000, 'a fresh ring');
    expect(tokens.verify(token).sub).toBe('user-1');
    await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('without maxStaleness, serves the last good ring for as long as Secrets Manager is down', async () => {
    const secretId = await createSecret(ringOf('active').text);
    const m = manager(provider(secretId, { refreshInterval: 0.1 }));
    await m.start();
    local.fail({ type: 'InternalServiceError' }, { times: Infinity });
    const before = local.count('GetSecretValue');
    await until(() => local.count('GetSecretValue') - before >= 3, 5000, 'failed refreshes');
    expect(() => m.current).not.toThrow();
    expect(m.health().stale).toBeUndefined();
  });

  it('refuses maxStaleness on a provider that never refreshes', async () => {
    const keys = [generateKey()];
    const provider = { description: 'fixed keys', maxStaleness: 60, load: async () => keys };
    await expect(new KeyRingManager(provider, new CapturingLogger()).start()).rejects.toThrow(
      'fixed keys: maxStaleness needs a provider that refreshes (refreshInterval)',
    );
  });

  it.each([[0.1], [0.05], [-1]])('refuses maxStaleness %s s with a 0.1 s refresh interval', async (maxStaleness) => {
    const secretId = await createSecret(ringOf('active').text);
    await expect(manager(provider(secretId, { refreshInterval: 0.1, maxStaleness })).start()).rejects.toThrow(
      /maxStaleness .* must be longer than the refresh interval/,
    );
  });
});

describe('AwsSecretsManagerKeyProvider, staged mode', () => {
  const keyText = (): { text: string; id: string } => {
    const key = generateKey();
    return { text: key.key, id: key.id };
  };

  it('signs with AWSCURRENT; a secret without AWSPREVIOUS is fine; the id is derived from the key', async () => {
    const first = keyText();
    const secretId = await createSecret(first.text);
    const m = manager(provider(secretId, { mode: 'staged' }));
    await m.start();
    expect(m.health().keys.map(({ id, state }) => ({ id, state }))).toEqual([{ id: first.id, state: 'active' }]);
    expect(m.health().source).toBe(`AWS Secrets Manager secret ${secretId} (staged)`);
  });

  it('accepts AWSPREVIOUS and AWSPENDING for verification, and fetches each version once', async () => {
    const [first, second, pending] = [keyText(), keyText(), keyText()];
    const secretId = await createSecret(first.text);
    const m = manager(provider(secretId, { mode: 'staged' }));
    await m.start();
    await put(secretId, second.text);
    await put(secretId, pending.text, ['AWSPENDING']);
    const gets = local.count('GetSecretValue');
    await m.refresh();
    expect(local.count('GetSecretValue') - gets).toBe(2);
    const states = Object.fromEntries(m.health().keys.map(({ id, state }) => [id, state]));
    expect(states).toEqual({ [second.id]: 'active', [first.id]: 'verify-only', [pending.id]: 'verify-only' });

    const describes = local.count('DescribeSecret');
    await m.refresh();
    expect(local.count('DescribeSecret') - describes).toBe(1);
    expect(local.count('GetSecretValue') - gets).toBe(2);
  });

  it('rejects a version whose value is not a key, naming the version and not the value', async () => {
    const secretId = await createSecret(keyText().text);
    const m = manager(provider(secretId, { mode: 'staged' }));
    await m.start();
    await put(secretId, 'correct horse battery staple');
    await m.refresh();
    expect(m.health().lastError?.message).toMatch(/version [0-9a-f-]+: the key is raw text, not a key text/);
    expect(m.health().lastError?.message).not.toContain('horse');
  });

  it('reads a raw key version only with allowRawKeys, still checking it', async () => {
    const bytes = randomBytes(32);
    const secretId = await createSecret(bytes.toString('base64url'));
    const error = await manager(provider(secretId, { mode: 'staged' }))
      .start()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/version [0-9a-f-]+: the key is raw text, not a key text/);
    const m = manager(provider(secretId, { mode: 'staged', allowRawKeys: true }));
    await m.start();
    expect(m.current.active).toMatchObject({ id: deriveKeyId(bytes), raw: true });
    await put(secretId, Buffer.from('correct horse battery staple 1234567').toString('base64url'));
    await m.refresh();
    expect(m.health().lastError?.message).toContain('the key bytes are text, like a password');
  });
});

describe('options', () => {
  it.each([
    [{ secretId: '' }, 'secretId is required'],
    [{ secretId: 's', mode: 'binary' }, 'mode must be "ring" or "staged"'],
    [{ secretId: 's', refreshInterval: 0 }, 'refreshInterval must be a positive number'],
    [{ secretId: 's', client: {} as SecretsManagerClient, clientConfig: {} }, 'either client or clientConfig'],
  ])('%j is refused', (options, message) => {
    expect(() => new AwsSecretsManagerKeyProvider(options as AwsSecretsManagerKeyProviderOptions)).toThrow(message);
  });
});
