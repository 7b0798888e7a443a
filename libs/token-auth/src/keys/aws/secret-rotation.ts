import { createHash } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  createRing,
  readRingDocument,
  rotateRing,
  serializeRing,
  type RingDocument,
  type RotationResult,
} from '../rotation/rotate-ring.js';
import { SecretsManagerError } from './secrets-manager.error.js';
import { secretsManagerRequest } from './secrets-manager-request.js';

export interface SecretRotationOptions {
  client: SecretsManagerClient;
  secretId: string;
  /** Seconds the old active key stays verify-only (see `rotateRing`). Default `defaultGracePeriod(refreshInterval)`. */
  gracePeriod?: number;
  /** The providers' refresh interval in seconds: the `next` key must have been published at least this long. */
  refreshInterval: number;
  emergency?: boolean;
  now?: Date;
  /** Milliseconds per request. Default 10000. */
  requestTimeout?: number;
  /** Read a ring holding raw keys (written before key texts) and write them as key texts. Default false. */
  allowRawKeys?: boolean;
}

export interface SecretRotationOutcome {
  /** The version written by this step (also its ClientRequestToken). */
  versionId: string;
  /** The AWSCURRENT version the step started from. */
  previousVersionId: string;
  /** False when this step had already been written from the same version (a retry): nothing changed. */
  changed: boolean;
  result?: RotationResult;
}

/**
 * The ClientRequestToken of the step that starts from `baseVersionId`: the same base and mode give the same token,
 * so a retried or concurrent step writes at most one version.
 */
export function rotationRequestToken(baseVersionId: string, emergency = false): string {
  const hex = createHash('sha256')
    .update(`nestjs-token-auth/rotate/v1\0${baseVersionId}\0${emergency ? 'emergency' : 'scheduled'}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Reads the ring at AWSCURRENT. */
export async function readSecretRing(
  client: SecretsManagerClient,
  secretId: string,
  now: Date,
  options: { versionId?: string; versionStage?: string; requestTimeout?: number; allowRawKeys?: boolean } = {},
): Promise<{ versionId: string; ring: RingDocument }> {
  const command = new GetSecretValueCommand({
    SecretId: secretId,
    ...(options.versionId && { VersionId: options.versionId }),
    ...(options.versionStage && { VersionStage: options.versionStage }),
  });
  const out = await secretsManagerRequest(
    { operation: 'GetSecretValue', secretId, timeout: options.requestTimeout ?? 10_000 },
    (o) => client.send(command, o),
  );
  if (typeof out.SecretString !== 'string' || !out.VersionId) {
    throw new SecretsManagerError(
      'InvalidSecretValue',
      undefined,
      `${secretId} holds no SecretString; expected the key ring JSON`,
    );
  }
  const ring = readRingDocument(out.SecretString, `secret ${secretId}`, now, {
    allowRawKeys: options.allowRawKeys === true,
  });
  return { versionId: out.VersionId, ring };
}

/** One rotation step on a ring-mode secret: reads AWSCURRENT, rotates, writes the result as the new AWSCURRENT. */
export async function rotateSecret(options: SecretRotationOptions): Promise<SecretRotationOutcome> {
  const { client, secretId, emergency = false, now = new Date(), requestTimeout = 10_000 } = options;
  const current = await readSecretRing(client, secretId, now, {
    requestTimeout,
    allowRawKeys: options.allowRawKeys === true,
  });
  const result = rotateRing(current.ring, {
    now,
    gracePeriod: options.gracePeriod,
    refreshInterval: options.refreshInterval,
    emergency,
  });
  const token = rotationRequestToken(current.versionId, emergency);
  const command = new PutSecretValueCommand({
    SecretId: secretId,
    ClientRequestToken: token,
    SecretString: serializeRing(result.ring),
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await secretsManagerRequest({ operation: 'PutSecretValue', secretId, timeout: requestTimeout }, (o) =>
        client.send(command, o),
      );
      return { versionId: token, previousVersionId: current.versionId, changed: true, result };
    } catch (error) {
      if (!(error instanceof SecretsManagerError)) throw error;
      // The version of this token exists with another value: the step from this base was already written.
      if (error.code === 'ResourceExistsException') {
        return { versionId: token, previousVersionId: current.versionId, changed: false };
      }
      // Same token, same value: if an earlier attempt landed unseen, Secrets Manager ignores the repeat.
      if (attempt >= PUT_ATTEMPTS || !RETRYABLE.has(error.code)) throw error;
    }
  }
}

const PUT_ATTEMPTS = 3;
const RETRYABLE = new Set(['RequestTimeout', 'ThrottlingException', 'InternalServiceError', 'UnknownError']);

/** Creates the secret holding a new ring (an active key and a published `next` key), or an imported one. */
export async function createSecretRing(options: {
  client: SecretsManagerClient;
  secretId: string;
  ring?: RingDocument;
  now?: Date;
  description?: string;
  requestTimeout?: number;
}): Promise<{ versionId: string; ring: RingDocument }> {
  const { client, secretId, now = new Date(), requestTimeout = 10_000 } = options;
  const ring = options.ring ?? createRing(now);
  const command = new CreateSecretCommand({
    Name: secretId,
    SecretString: serializeRing(ring),
    Description: options.description ?? 'nestjs-token-auth key ring (docs/key-rotation.md)',
  });
  const out = await secretsManagerRequest({ operation: 'CreateSecret', secretId, timeout: requestTimeout }, (o) =>
    client.send(command, o),
  );
  return { versionId: out.VersionId!, ring };
}
