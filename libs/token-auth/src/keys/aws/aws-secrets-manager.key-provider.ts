import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { TokenAuthConfigError } from '../../errors/token-auth-config.error.js';
import type { KeyProvider } from '../key-provider.interface.js';
import { deriveKeyId, readKey, type KeySpec } from '../key-ring.js';
import { parseKeyRingText } from '../key-ring-text.js';
import { SecretsManagerError } from './secrets-manager.error.js';
import { secretsManagerRequest } from './secrets-manager-request.js';

export interface AwsSecretsManagerKeyProviderOptions {
  /** The secret's name or ARN. */
  secretId: string;
  /**
   * `ring` (default): the secret's current value is the whole ring as JSON, rotated with `rotateRing`.
   * `staged`: each secret version holds one key text; AWSCURRENT signs, AWSPREVIOUS and AWSPENDING verify.
   */
  mode?: 'ring' | 'staged';
  /** A client you built. Otherwise one is made from `clientConfig` (region, endpoint, credentials). */
  client?: SecretsManagerClient;
  clientConfig?: SecretsManagerClientConfig;
  /** Seconds between refreshes (each jittered in [T/2, T]). Default 300. */
  refreshInterval?: number;
  /** Seconds without a successful refresh after which tokens are refused (503). Default: never. */
  maxStaleness?: number;
  /** Milliseconds each Secrets Manager request may take before it is aborted. Default 5000. */
  requestTimeout?: number;
  /**
   * Accept raw keys (base64url written before key texts) besides key texts; each is logged at startup. Default
   * false. A ring-mode secret is converted by the next rotation run with `--allow-raw-keys` (docs/key-rotation.md).
   */
  allowRawKeys?: boolean;
}

const STAGE_STATE = { AWSCURRENT: 'active', AWSPENDING: 'verify-only', AWSPREVIOUS: 'verify-only' } as const;
type Stage = keyof typeof STAGE_STATE;

/**
 * Loads the key ring from AWS Secrets Manager. It only loads: the `KeyRingManager` refreshes it in the background,
 * validates each ring before use, keeps the last good one when a load fails and retries with backoff.
 * Import it from `nestjs-token-auth/aws`, so apps without the AWS SDK can use the main entry point.
 */
export class AwsSecretsManagerKeyProvider implements KeyProvider {
  readonly description: string;
  readonly refreshInterval: number;
  readonly maxStaleness?: number;
  readonly allowRawKeys?: boolean;
  /** Staged mode: a rotation moves AWSPREVIOUS off the oldest key, which has no `retireAfter` to go by. */
  readonly unscheduledKeyRemoval?: boolean;
  private readonly secretId: string;
  private readonly mode: 'ring' | 'staged';
  private readonly client: SecretsManagerClient;
  private readonly requestTimeout: number;
  /** Staged mode: a version's value never changes, so each is fetched once. */
  private readonly versions = new Map<string, { text: string; createdAt?: Date }>();

  constructor(options: AwsSecretsManagerKeyProviderOptions) {
    const {
      secretId,
      mode = 'ring',
      client,
      clientConfig,
      refreshInterval = 300,
      maxStaleness,
      requestTimeout = 5000,
      allowRawKeys,
    } = options ?? ({} as AwsSecretsManagerKeyProviderOptions);
    if (typeof secretId !== 'string' || secretId.trim() === '') {
      throw new TokenAuthConfigError('AwsSecretsManagerKeyProvider: secretId is required (the secret name or ARN)');
    }
    if (mode !== 'ring' && mode !== 'staged') {
      throw new TokenAuthConfigError(
        `AwsSecretsManagerKeyProvider: mode must be "ring" or "staged", got "${String(mode)}"`,
      );
    }
    if (client && clientConfig) {
      throw new TokenAuthConfigError('AwsSecretsManagerKeyProvider: pass either client or clientConfig, not both');
    }
    for (const [name, value] of [
      ['refreshInterval', refreshInterval],
      ['requestTimeout', requestTimeout],
    ] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new TokenAuthConfigError(
          `AwsSecretsManagerKeyProvider: ${name} must be a positive number, got ${String(value)}`,
        );
      }
    }
    this.secretId = secretId;
    this.mode = mode;
    this.client = client ?? new SecretsManagerClient(clientConfig ?? {});
    this.refreshInterval = refreshInterval;
    this.requestTimeout = requestTimeout;
    if (maxStaleness !== undefined) this.maxStaleness = maxStaleness;
    if (allowRawKeys) this.allowRawKeys = true;
    if (mode === 'staged') this.unscheduledKeyRemoval = true;
    this.description = `AWS Secrets Manager secret ${secretId}${mode === 'staged' ? ' (staged)' : ''}`;
  }

  async load(signal: AbortSignal): Promise<readonly KeySpec[]> {
    return this.mode === 'ring' ? this.loadRing(signal) : this.loadStaged(signal);
  }

  private async loadRing(signal: AbortSignal): Promise<KeySpec[]> {
    const command = new GetSecretValueCommand({ SecretId: this.secretId });
    const out = await this.request('GetSecretValue', signal, (options) => this.client.send(command, options));
    if (typeof out.SecretString !== 'string') {
      throw new TokenAuthConfigError(`${this.description}: the ring must be stored as SecretString (JSON), not binary`);
    }
    return parseKeyRingText(out.SecretString, this.description);
  }

  private async loadStaged(signal: AbortSignal): Promise<KeySpec[]> {
    const describe = new DescribeSecretCommand({ SecretId: this.secretId });
    const described = await this.request('DescribeSecret', signal, (options) => this.client.send(describe, options));
    const wanted = new Map<string, Stage[]>();
    for (const [versionId, labels] of Object.entries(described.VersionIdsToStages ?? {})) {
      const stages = (labels ?? []).filter((label): label is Stage => label in STAGE_STATE);
      if (stages.length > 0) wanted.set(versionId, stages);
    }
    if (![...wanted.values()].some((stages) => stages.includes('AWSCURRENT'))) {
      throw new TokenAuthConfigError(`${this.description}: the secret has no AWSCURRENT version`);
    }
    for (const versionId of this.versions.keys()) if (!wanted.has(versionId)) this.versions.delete(versionId);
    await Promise.all(
      [...wanted].map(async ([versionId, stages]) => {
        if (this.versions.has(versionId)) return;
        const command = new GetSecretValueCommand({ SecretId: this.secretId, VersionId: versionId });
        try {
          const out = await this.request('GetSecretValue', signal, (options) => this.client.send(command, options));
          if (typeof out.SecretString !== 'string') {
            throw new TokenAuthConfigError(
              `${this.description}: version ${versionId} must hold its key text as SecretString, not binary`,
            );
          }
          this.versions.set(versionId, { text: out.SecretString.trim(), createdAt: out.CreatedDate });
        } catch (error) {
          // A rotation function labels AWSPENDING before it writes the value: nothing to verify with yet.
          const pendingOnly = stages.length === 1 && stages[0] === 'AWSPENDING';
          if (!(pendingOnly && error instanceof SecretsManagerError && error.code === 'ResourceNotFoundException')) {
            throw error;
          }
        }
      }),
    );
    const specs = new Map<string, KeySpec>();
    for (const [versionId, stages] of wanted) {
      const value = this.versions.get(versionId);
      if (value === undefined) continue;
      const label = `${this.description} version ${versionId}`;
      const { bytes } = readKey(value.text, label, { allowRawKeys: this.allowRawKeys === true });
      const state = stages.includes('AWSCURRENT') ? 'active' : 'verify-only';
      const id = deriveKeyId(bytes);
      // The same key under two labels (a rotation that rewrote the value) is one key; the active label wins.
      if (specs.get(id)?.state === 'active') continue;
      specs.set(id, { id, key: value.text, state, ...(value.createdAt && { createdAt: value.createdAt }) });
    }
    return [...specs.values()];
  }

  private request<T>(
    operation: string,
    signal: AbortSignal,
    run: (options: { abortSignal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    return secretsManagerRequest({ operation, secretId: this.secretId, timeout: this.requestTimeout, signal }, run);
  }
}
