import { defaultGracePeriod, readRingDocument, type RingDocument } from '../keys/rotation/rotate-ring.js';
import { parseOptions, secondsOption, UsageError } from './args.js';

export const DEFAULT_REFRESH_SECONDS = 300;
/** maxRefreshTokenTtl (2592000) + clockTolerance (30) + refresh interval (300), the module's defaults. */
export const DEFAULT_GRACE_SECONDS = defaultGracePeriod(DEFAULT_REFRESH_SECONDS);

const CLIENT_OPTIONS = ['secret-id', 'endpoint', 'region'];
const SDK = '@aws-sdk/client-secrets-manager';

class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
}

/** Node's "cannot find" error for `name` itself (ESM or CommonJS), not for something it failed to load. */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(`'${name}'`);
}

// The AWS SDK is an optional peer dependency: load it only for the commands that need it.
async function connect(options: Map<string, string>, env: NodeJS.ProcessEnv) {
  const secretId = options.get('secret-id');
  if (!secretId) throw new UsageError('--secret-id is required');
  const [{ SecretsManagerClient }, aws] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../keys/aws/index.js'),
  ]).catch((error: unknown) => {
    throw isMissing(error, SDK)
      ? new MissingDependencyError(`this command needs the AWS SDK: run  npm install ${SDK}`)
      : error;
  });
  const endpoint = options.get('endpoint') ?? env.AWS_SECRETS_MANAGER_ENDPOINT;
  const region = options.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const client = new SecretsManagerClient({ ...(endpoint && { endpoint }), ...(region && { region }) });
  return { client, secretId, aws };
}

/**
 * `rotate --secret-id <id> [--grace-seconds N] [--refresh-seconds N] [--emergency]`: one rotation step.
 * Prints what changed (key ids only).
 */
export async function rotateCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const options = parseOptions(
    args,
    [...CLIENT_OPTIONS, 'grace-seconds', 'refresh-seconds', 'emergency', 'allow-raw-keys'],
    ['emergency', 'allow-raw-keys'],
  );
  const gracePeriod = secondsOption(options, 'grace-seconds', DEFAULT_GRACE_SECONDS);
  const refreshInterval = secondsOption(options, 'refresh-seconds', DEFAULT_REFRESH_SECONDS);
  const { client, secretId, aws } = await connect(options, env);
  try {
    const outcome = await aws.rotateSecret({
      client,
      secretId,
      gracePeriod,
      refreshInterval,
      emergency: options.has('emergency'),
      allowRawKeys: options.has('allow-raw-keys'),
    });
    const { result } = outcome;
    return JSON.stringify(
      {
        secretId,
        versionId: outcome.versionId,
        previousVersionId: outcome.previousVersionId,
        changed: outcome.changed,
        ...(result && {
          active: result.active,
          activated: result.activated ?? null,
          published: result.published,
          retiring: result.retiring ?? null,
          revoked: result.revoked ?? null,
          dropped: result.dropped,
        }),
      },
      null,
      2,
    );
  } finally {
    client.destroy();
  }
}

/**
 * `init --secret-id <id> [--import-env VAR] [--allow-raw-keys]`: creates the secret with a new ring (an active key
 * and a published `next` key), or with the ring held by an environment variable (migration from `TOKEN_AUTH_KEYS`).
 */
export async function initCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const options = parseOptions(args, [...CLIENT_OPTIONS, 'import-env', 'allow-raw-keys'], ['allow-raw-keys']);
  const variable = options.get('import-env');
  let ring: RingDocument | undefined;
  if (variable !== undefined) {
    const text = env[variable];
    if (!text) throw new UsageError(`--import-env ${variable}: the variable is not set`);
    ring = readRingDocument(text, `env ${variable}`, new Date(), { allowRawKeys: options.has('allow-raw-keys') });
  }
  const { client, secretId, aws } = await connect(options, env);
  try {
    const created = await aws.createSecretRing({ client, secretId, ...(ring && { ring }) });
    return JSON.stringify(
      { secretId, versionId: created.versionId, keys: created.ring.keys.map(({ id, state }) => ({ id, state })) },
      null,
      2,
    );
  } finally {
    client.destroy();
  }
}
