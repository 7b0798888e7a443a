import { describe, expect, it } from '@jest/globals';
import { EnvKeyProvider, FileKeyProvider } from 'nestjs-token-auth';
import { AwsSecretsManagerKeyProvider } from 'nestjs-token-auth/aws';
import { DemoConfigError } from './demo-config.error.js';
import { keyProviderFromEnv } from './key-provider.js';

describe('keyProviderFromEnv', () => {
  it('reads TOKEN_AUTH_KEYS when nothing else is set', async () => {
    expect(await keyProviderFromEnv({})).toBeInstanceOf(EnvKeyProvider);
  });

  it('uses AWS Secrets Manager with TOKEN_AUTH_SECRET_ID and AWS_REGION', async () => {
    const provider = await keyProviderFromEnv({
      TOKEN_AUTH_SECRET_ID: 'demo/token-keys',
      AWS_REGION: 'eu-west-1',
      AWS_SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:4566',
      TOKEN_AUTH_REFRESH_INTERVAL: '2',
      TOKEN_AUTH_MAX_STALENESS: '30',
    });
    expect(provider).toBeInstanceOf(AwsSecretsManagerKeyProvider);
    expect(provider).toMatchObject({
      description: 'AWS Secrets Manager secret demo/token-keys',
      refreshInterval: 2,
      maxStaleness: 30,
    });
  });

  it('uses staged mode when asked', async () => {
    const provider = await keyProviderFromEnv({
      TOKEN_AUTH_SECRET_ID: 's',
      AWS_REGION: 'eu-west-1',
      TOKEN_AUTH_SECRET_MODE: 'staged',
    });
    expect(provider.description).toBe('AWS Secrets Manager secret s (staged)');
    expect(provider.refreshInterval).toBe(300);
  });

  it('uses a ring file with TOKEN_AUTH_KEYS_FILE', async () => {
    const provider = await keyProviderFromEnv({
      TOKEN_AUTH_KEYS_FILE: '/etc/token-auth/keys.json',
      TOKEN_AUTH_REFRESH_INTERVAL: '10',
    });
    expect(provider).toBeInstanceOf(FileKeyProvider);
    expect(provider).toMatchObject({ description: 'file /etc/token-auth/keys.json', refreshInterval: 10 });
  });

  it.each([
    [{ TOKEN_AUTH_SECRET_ID: 's' }, 'AWS_REGION must be set with TOKEN_AUTH_SECRET_ID'],
    [
      { TOKEN_AUTH_SECRET_ID: 's', TOKEN_AUTH_KEYS_FILE: 'f' },
      'set TOKEN_AUTH_SECRET_ID or TOKEN_AUTH_KEYS_FILE, not both',
    ],
    [
      { TOKEN_AUTH_SECRET_ID: 's', AWS_REGION: 'r', TOKEN_AUTH_SECRET_MODE: 'json' },
      'TOKEN_AUTH_SECRET_MODE must be ring or staged',
    ],
    [
      { TOKEN_AUTH_KEYS_FILE: 'f', TOKEN_AUTH_REFRESH_INTERVAL: '0' },
      'TOKEN_AUTH_REFRESH_INTERVAL must be a positive number of seconds',
    ],
    [
      { TOKEN_AUTH_KEYS_FILE: 'f', TOKEN_AUTH_MAX_STALENESS: 'soon' },
      'TOKEN_AUTH_MAX_STALENESS must be a positive number of seconds',
    ],
  ])('refuses %j, saying what to set', async (env, message) => {
    const error = await keyProviderFromEnv(env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DemoConfigError);
    expect((error as Error).message).toContain(message);
  });
});
