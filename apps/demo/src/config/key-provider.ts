import { EnvKeyProvider, FileKeyProvider, type KeyProvider } from 'nestjs-token-auth';
import { DemoConfigError } from './demo-config.error.js';

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0)) {
    throw new DemoConfigError(`${name} must be a positive number of seconds, got "${text}"`);
  }
  return value;
}

/**
 * Where the demo's key ring comes from:
 * - `TOKEN_AUTH_SECRET_ID` (+ `AWS_REGION`, optional `AWS_SECRETS_MANAGER_ENDPOINT`, `TOKEN_AUTH_SECRET_MODE`
 *   ring|staged): AWS Secrets Manager;
 * - `TOKEN_AUTH_KEYS_FILE`: a ring file, such as a mounted Kubernetes secret;
 * - otherwise `TOKEN_AUTH_KEYS`.
 * `TOKEN_AUTH_REFRESH_INTERVAL` (seconds; 300 for the secret, 60 for the file) and `TOKEN_AUTH_MAX_STALENESS`
 * tune the refresh of the first two.
 */
export async function keyProviderFromEnv(env: NodeJS.ProcessEnv): Promise<KeyProvider> {
  const secretId = env.TOKEN_AUTH_SECRET_ID?.trim();
  const file = env.TOKEN_AUTH_KEYS_FILE?.trim();
  const refreshInterval = seconds(env, 'TOKEN_AUTH_REFRESH_INTERVAL');
  const maxStaleness = seconds(env, 'TOKEN_AUTH_MAX_STALENESS');
  if (secretId && file) {
    throw new DemoConfigError('set TOKEN_AUTH_SECRET_ID or TOKEN_AUTH_KEYS_FILE, not both');
  }
  if (secretId) {
    const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
    if (!region) throw new DemoConfigError('AWS_REGION must be set with TOKEN_AUTH_SECRET_ID');
    const mode = env.TOKEN_AUTH_SECRET_MODE?.trim() || 'ring';
    if (mode !== 'ring' && mode !== 'staged') {
      throw new DemoConfigError(`TOKEN_AUTH_SECRET_MODE must be ring or staged, got "${mode}"`);
    }
    const endpoint = env.AWS_SECRETS_MANAGER_ENDPOINT?.trim();
    // Loaded only when used: the AWS SDK is an optional dependency of the library.
    const { AwsSecretsManagerKeyProvider } = await import('nestjs-token-auth/aws');
    return new AwsSecretsManagerKeyProvider({
      secretId,
      mode,
      clientConfig: { region, ...(endpoint && { endpoint }) },
      ...(refreshInterval !== undefined && { refreshInterval }),
      ...(maxStaleness !== undefined && { maxStaleness }),
    });
  }
  if (file) {
    return new FileKeyProvider({
      path: file,
      ...(refreshInterval !== undefined && { pollInterval: refreshInterval }),
      ...(maxStaleness !== undefined && { maxStaleness }),
    });
  }
  return new EnvKeyProvider({ env });
}
