import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { KeyRing } from '../key-ring.js';
import { parseKeyRingText } from '../key-ring-text.js';
import { rotateRing, serializeRing } from '../rotation/rotate-ring.js';
import { SecretsManagerError } from './secrets-manager.error.js';
import { secretsManagerRequest } from './secrets-manager-request.js';
import { readSecretRing } from './secret-rotation.js';

/** The event Secrets Manager sends a rotation function. */
export interface RotationEvent {
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  SecretId: string;
  ClientRequestToken: string;
}

export interface RotationHandlerOptions {
  client?: SecretsManagerClient;
  clientConfig?: SecretsManagerClientConfig;
  /** Seconds the old active key stays verify-only: max token lifetime + clock tolerance + one refresh interval. */
  gracePeriod: number;
  /** The apps' refresh interval in seconds; the `next` key is promoted only once published that long. */
  refreshInterval: number;
  /** Milliseconds per request. Default 10000. */
  requestTimeout?: number;
  clock?: () => Date;
  /** Read a ring holding raw keys (written before key texts) and write them as key texts. Default false. */
  allowRawKeys?: boolean;
}

/**
 * A Secrets Manager rotation function for ring-mode secrets, performing the same step as `rotate`:
 * - createSecret: writes the rotated ring as AWSPENDING under the event's token (skipped if already written);
 * - setSecret: nothing to do, each instance reads the secret itself;
 * - testSecret: the pending ring must validate as a `KeyRing`;
 * - finishSecret: moves AWSCURRENT to the pending version (the old one becomes AWSPREVIOUS).
 * Every step is idempotent, since Secrets Manager may retry any of them.
 */
export function createRotationHandler(options: RotationHandlerOptions): (event: RotationEvent) => Promise<void> {
  const client = options.client ?? new SecretsManagerClient(options.clientConfig ?? {});
  const timeout = options.requestTimeout ?? 10_000;
  const clock = options.clock ?? (() => new Date());
  const request = <T>(operation: string, secretId: string, run: (o: { abortSignal: AbortSignal }) => Promise<T>) =>
    secretsManagerRequest({ operation, secretId, timeout }, run);

  async function pendingValue(secretId: string, token: string): Promise<string | undefined> {
    const command = new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' });
    try {
      return (await request('GetSecretValue', secretId, (o) => client.send(command, o))).SecretString;
    } catch (error) {
      if (error instanceof SecretsManagerError && error.code === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  const steps: Record<RotationEvent['Step'], (secretId: string, token: string) => Promise<void>> = {
    async createSecret(secretId, token) {
      if ((await pendingValue(secretId, token)) !== undefined) return;
      const now = clock();
      const current = await readSecretRing(client, secretId, now, {
        versionStage: 'AWSCURRENT',
        requestTimeout: timeout,
        allowRawKeys: options.allowRawKeys === true,
      });
      const { ring } = rotateRing(current.ring, {
        now,
        gracePeriod: options.gracePeriod,
        refreshInterval: options.refreshInterval,
      });
      const command = new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: serializeRing(ring),
        VersionStages: ['AWSPENDING'],
      });
      await request('PutSecretValue', secretId, (o) => client.send(command, o));
    },
    async setSecret() {},
    async testSecret(secretId, token) {
      const value = await pendingValue(secretId, token);
      if (value === undefined) {
        throw new Error(
          `testSecret: version ${token} of ${secretId} has no AWSPENDING value; createSecret did not run`,
        );
      }
      KeyRing.from(parseKeyRingText(value, `version ${token} of ${secretId}`));
    },
    async finishSecret(secretId, token) {
      const describe = new DescribeSecretCommand({ SecretId: secretId });
      const described = await request('DescribeSecret', secretId, (o) => client.send(describe, o));
      const stages = described.VersionIdsToStages ?? {};
      const current = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'));
      if (current !== token) {
        const move = new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(current && { RemoveFromVersionId: current }),
        });
        await request('UpdateSecretVersionStage', secretId, (o) => client.send(move, o));
      }
      if (stages[token]?.includes('AWSPENDING')) {
        const clear = new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: token,
        });
        await request('UpdateSecretVersionStage', secretId, (o) => client.send(clear, o));
      }
    },
  };

  return async (event) => {
    const step = steps[event?.Step];
    if (!step) throw new Error(`unknown rotation step "${String(event?.Step)}"`);
    await step(event.SecretId, event.ClientRequestToken);
  };
}
