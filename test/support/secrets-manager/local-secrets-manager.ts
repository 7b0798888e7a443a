import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local AWS Secrets Manager endpoint speaking the real wire protocol (awsJson1_1: `POST /`,
 * `X-Amz-Target: secretsmanager.<Operation>`, `application/x-amz-json-1.1`, epoch-second timestamps, errors as
 * `{"__type","message"}`), so the real `@aws-sdk/client-secrets-manager` client can be tested against it.
 * It models versions and staging labels as AWS documents them, and can inject faults.
 */

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

export type Fault =
  | { type: 'ThrottlingException' | 'AccessDeniedException' | 'DecryptionFailure' | 'ResourceNotFoundException' }
  | { type: 'InternalServiceError' }
  /** Answers correctly, but only after `ms` milliseconds. */
  | { type: 'slow'; ms: number }
  /** A 200 whose body is not JSON. */
  | { type: 'malformed' };

export interface FaultOptions {
  /** Only this operation fails, e.g. `GetSecretValue`. Default: every operation. */
  operation?: string;
  /** How many requests fail. Default 1; `Infinity` until `clearFaults()`. */
  times?: number;
}

interface Version {
  id: string;
  secretString?: string;
  stages: Set<string>;
  created: number;
}

interface Secret {
  name: string;
  arn: string;
  description?: string;
  created: number;
  lastChanged: number;
  deleted: boolean;
  versions: Map<string, Version>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const ERROR_STATUS: Record<string, number> = {
  ThrottlingException: 400,
  AccessDeniedException: 400,
  DecryptionFailure: 400,
  ResourceNotFoundException: 400,
  InternalServiceError: 500,
};

const FAULT_MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded',
  AccessDeniedException: 'User is not authorized to perform: secretsmanager:GetSecretValue',
  DecryptionFailure: 'Secrets Manager can not decrypt the protected secret text using the provided KMS key.',
  ResourceNotFoundException: "Secrets Manager can't find the specified secret.",
  InternalServiceError: 'An error occurred on the server side.',
};

type Body = Record<string, unknown>;

export class LocalSecretsManager {
  /** Every request the endpoint answered or failed, in order: operation name and parameters. */
  readonly requests: { operation: string; body: Body }[] = [];
  private readonly secrets = new Map<string, Secret>();
  private readonly faults: { fault: Fault; operation?: string; remaining: number }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  private url?: string;

  constructor(readonly region = 'us-east-1') {}

  /** Listens on loopback (a free port by default); returns the endpoint URL for the SDK's `endpoint` option. */
  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  get endpoint(): string {
    if (!this.url) throw new Error('LocalSecretsManager is not started');
    return this.url;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  fail(fault: Fault, options: FaultOptions = {}): void {
    this.faults.push({ fault, operation: options.operation, remaining: options.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** How many requests named this operation. */
  count(operation: string): number {
    return this.requests.filter((request) => request.operation === operation).length;
  }

  /** The staging labels by version id, as DescribeSecret reports them. */
  stagesOf(secretId: string): Record<string, string[]> {
    return this.describe(this.find(secretId, true)).VersionIdsToStages as Record<string, string[]>;
  }

  /** The secret value holding a stage, read directly (no request recorded). */
  valueAt(secretId: string, stage = AWSCURRENT): string | undefined {
    return [...this.find(secretId, true).versions.values()].find((v) => v.stages.has(stage))?.secretString;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith('secretsmanager.') ? target.slice(15) : '';
    try {
      if (req.method !== 'POST' || req.url !== '/') {
        throw new AwsError('UnknownOperationException', `${req.method} ${req.url} is not an operation`, 404);
      }
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        throw new AwsError('SerializationException', 'expected Content-Type application/x-amz-json-1.1');
      }
      if (!String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256 ')) {
        throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      let body: Body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Body;
      } catch {
        throw new AwsError('SerializationException', 'the request body is not JSON');
      }
      this.requests.push({ operation, body });
      const fault = this.takeFault(operation);
      if (fault?.type === 'slow') await this.sleep(fault.ms);
      else if (fault?.type === 'malformed') return this.send(res, 200, '{"ARN":"arn:aws:secretsmanager:trunc');
      else if (fault) throw new AwsError(fault.type, FAULT_MESSAGES[fault.type]!, ERROR_STATUS[fault.type]);
      this.send(res, 200, JSON.stringify(this.dispatch(operation, body)));
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError('InternalServiceError', String(error), 500);
      this.send(res, e.status, JSON.stringify({ __type: e.type, message: e.message }));
    }
  }

  private send(res: ServerResponse, status: number, body: string): void {
    if (res.destroyed) return; // the client gave up (a timeout); nothing to answer
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(body);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private takeFault(operation: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (index < 0) return undefined;
    const entry = this.faults[index]!;
    if (--entry.remaining <= 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  private dispatch(operation: string, body: Body): Body {
    switch (operation) {
      case 'CreateSecret':
        return this.createSecret(body);
      case 'PutSecretValue':
        return this.putSecretValue(body);
      case 'GetSecretValue':
        return this.getSecretValue(body);
      case 'DescribeSecret':
        return this.describe(this.find(body.SecretId, true));
      case 'ListSecretVersionIds':
        return this.listSecretVersionIds(body);
      case 'UpdateSecretVersionStage':
        return this.updateSecretVersionStage(body);
      case 'DeleteSecret':
        return this.deleteSecret(body);
      default:
        throw new AwsError('UnknownOperationException', `unknown operation "${operation}"`);
    }
  }

  private find(secretId: unknown, allowDeleted = false): Secret {
    if (typeof secretId !== 'string' || secretId === '') {
      throw new AwsError('InvalidParameterException', 'SecretId is required');
    }
    const secret = this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.arn === secretId);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deleted && !allowDeleted) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  private createSecret(body: Body): Body {
    const name = body.Name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
      throw new AwsError('InvalidParameterException', 'Name is required: 1-512 of A-Za-z0-9/_+=.@-');
    }
    if (this.secrets.has(name)) {
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    const now = epochSeconds();
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:${this.region}:000000000000:secret:${name}-${randomBytes(3).toString('hex')}`,
      description: typeof body.Description === 'string' ? body.Description : undefined,
      created: now,
      lastChanged: now,
      deleted: false,
      versions: new Map(),
    };
    this.secrets.set(name, secret);
    if (typeof body.SecretString !== 'string') return { ARN: secret.arn, Name: name };
    const version = this.addVersion(secret, clientRequestToken(body), body.SecretString, [AWSCURRENT]);
    return { ARN: secret.arn, Name: name, VersionId: version.id };
  }

  private putSecretValue(body: Body): Body {
    const secret = this.find(body.SecretId);
    if (typeof body.SecretString !== 'string' || body.SecretString === '') {
      throw new AwsError('InvalidParameterException', 'SecretString is required (SecretBinary is not modelled)');
    }
    const token = clientRequestToken(body);
    const stages = body.VersionStages === undefined ? [AWSCURRENT] : body.VersionStages;
    if (!Array.isArray(stages) || !stages.every((s) => typeof s === 'string')) {
      throw new AwsError('InvalidParameterException', 'VersionStages must be a list of strings');
    }
    const existing = secret.versions.get(token);
    if (existing) {
      // Idempotency: the same token with the same value is a retry and changes nothing; another value is refused.
      if (existing.secretString !== body.SecretString) {
        throw new AwsError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }
    const version = this.addVersion(secret, token, body.SecretString, stages as string[]);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  private addVersion(secret: Secret, id: string, value: string, stages: string[]): Version {
    const version: Version = { id, secretString: value, stages: new Set(), created: epochSeconds() };
    secret.versions.set(id, version);
    for (const stage of stages) this.moveStage(secret, stage, version);
    secret.lastChanged = epochSeconds();
    return version;
  }

  /** Attaches a label to one version; AWSCURRENT leaving a version leaves AWSPREVIOUS behind, as in AWS. */
  private moveStage(secret: Secret, stage: string, to: Version): void {
    const from = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (from === to) return;
    from?.stages.delete(stage);
    to.stages.add(stage);
    if (stage === AWSCURRENT && from) this.moveStage(secret, AWSPREVIOUS, from);
  }

  private getSecretValue(body: Body): Body {
    const secret = this.find(body.SecretId);
    const { VersionId: versionId, VersionStage: stage } = body;
    let version: Version | undefined;
    if (typeof versionId === 'string') {
      version = secret.versions.get(versionId);
      if (version && typeof stage === 'string' && !version.stages.has(stage)) version = undefined;
    } else {
      const wanted = typeof stage === 'string' ? stage : AWSCURRENT;
      version = [...secret.versions.values()].find((v) => v.stages.has(wanted));
    }
    if (!version || version.secretString === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label or version.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      VersionStages: [...version.stages],
      CreatedDate: version.created,
    };
  }

  private describe(secret: Secret): Body {
    const stages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) stages[version.id] = [...version.stages];
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined && { Description: secret.description }),
      CreatedDate: secret.created,
      LastChangedDate: secret.lastChanged,
      ...(secret.deleted && { DeletedDate: secret.lastChanged }),
      RotationEnabled: false,
      VersionIdsToStages: stages,
    };
  }

  private listSecretVersionIds(body: Body): Body {
    const secret = this.find(body.SecretId);
    const versions = [...secret.versions.values()]
      .filter((v) => v.stages.size > 0 || body.IncludeDeprecated === true)
      .map((v) => ({ VersionId: v.id, VersionStages: [...v.stages], CreatedDate: v.created }));
    return { ARN: secret.arn, Name: secret.name, Versions: versions };
  }

  private updateSecretVersionStage(body: Body): Body {
    const secret = this.find(body.SecretId);
    const { VersionStage: stage, MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = body;
    if (typeof stage !== 'string' || stage === '') {
      throw new AwsError('InvalidParameterException', 'VersionStage is required');
    }
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (removeFrom !== undefined && holder?.id !== removeFrom) {
      throw new AwsError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${String(removeFrom)}.`,
      );
    }
    if (moveTo === undefined) {
      holder?.stages.delete(stage);
    } else {
      const target = typeof moveTo === 'string' ? secret.versions.get(moveTo) : undefined;
      if (!target) throw new AwsError('ResourceNotFoundException', `Version ${String(moveTo)} not found.`);
      if (holder && holder !== target && removeFrom === undefined) {
        throw new AwsError(
          'InvalidParameterException',
          `The staging label ${stage} is currently attached to version ${holder.id}. ` +
            'To move it, specify that version in RemoveFromVersionId.',
        );
      }
      this.moveStage(secret, stage, target);
    }
    secret.lastChanged = epochSeconds();
    return { ARN: secret.arn, Name: secret.name };
  }

  private deleteSecret(body: Body): Body {
    const secret = this.find(body.SecretId);
    secret.deleted = true;
    secret.lastChanged = epochSeconds();
    return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds() + 30 * 86_400 };
  }
}

function epochSeconds(): number {
  return Date.now() / 1000;
}

function clientRequestToken(body: Body): string {
  const token = body.ClientRequestToken ?? randomUUID();
  if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
    throw new AwsError('InvalidParameterException', 'ClientRequestToken must be 32 to 64 characters');
  }
  return token;
}
