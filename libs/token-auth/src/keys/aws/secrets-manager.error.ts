/**
 * A failed Secrets Manager call, named for the AWS error code (`AccessDeniedException`, `ThrottlingException`…)
 * so logs read "AccessDeniedException: the role needs secretsmanager:GetSecretValue on …". The message is built
 * from the code, the HTTP status and a hint only: AWS's own message and the response body are never copied, so no
 * key material can reach a log line.
 */
export class SecretsManagerError extends Error {
  override readonly name: string;

  constructor(
    readonly code: string,
    readonly httpStatusCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

interface AwsErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
  /** Node's network errors (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), which the SDK passes on as they are. */
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  message?: unknown;
}

// Node's own wording of a network error, which the SDK keeps when it re-wraps an error from another realm.
const NETWORK_MESSAGE = /\b(connect|getaddrinfo|read|write|socket) (E[A-Z0-9_]{1,30})(?: ([\w.:[\]-]{1,100}))?$/;

/**
 * "connect ECONNREFUSED 127.0.0.1:4566": the failed call, its code and where it went. Built from the error's
 * fields, or from the few characters of Node's message that can only be these, so nothing else is copied.
 */
function networkCause(shape: AwsErrorShape): { code: string; text: string } | undefined {
  if (typeof shape.code === 'string' && /^E[A-Z0-9_]{1,30}$/.test(shape.code)) {
    const where =
      typeof shape.address === 'string'
        ? `${shape.address}${typeof shape.port === 'number' ? `:${shape.port}` : ''}`
        : shape.hostname;
    const parts = [shape.syscall, shape.code, where].filter(
      (part) => typeof part === 'string' && /^[\w.:[\]-]{1,100}$/.test(part),
    );
    return { code: shape.code, text: parts.join(' ') };
  }
  const match = typeof shape.message === 'string' ? NETWORK_MESSAGE.exec(shape.message) : null;
  return match ? { code: match[2]!, text: match.slice(1).filter(Boolean).join(' ') } : undefined;
}

/** Wraps whatever the SDK threw for `operation` on `secretId`. `timedOut` marks our own abort. */
export function toSecretsManagerError(
  error: unknown,
  operation: string,
  secretId: string,
  timedOut?: { ms: number },
): SecretsManagerError {
  if (error instanceof SecretsManagerError) return error;
  if (timedOut) {
    return new SecretsManagerError(
      'RequestTimeout',
      undefined,
      `no answer to ${operation} on "${secretId}" within ${timedOut.ms} ms; check the network path to Secrets Manager`,
    );
  }
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const network = networkCause(shape);
  if (network) {
    return new SecretsManagerError(
      network.code,
      undefined,
      `the request for ${secretId} failed: ${network.text}; check the endpoint and the network path to Secrets Manager (${operation})`,
    );
  }
  const code = typeof shape.name === 'string' && /^[A-Za-z]{1,64}$/.test(shape.name) ? shape.name : 'UnknownError';
  const status = shape.$metadata?.httpStatusCode;
  const where = status === undefined ? operation : `${operation}, HTTP ${status}`;
  return new SecretsManagerError(code, status, `${hint(code, operation, secretId, status)} (${where})`);
}

function hint(code: string, operation: string, secretId: string, status: number | undefined): string {
  switch (code) {
    case 'AccessDeniedException':
      return `the role needs secretsmanager:${operation} on ${secretId}`;
    case 'DecryptionFailure':
      return `the role needs kms:Decrypt on the KMS key that encrypts ${secretId}`;
    case 'ResourceNotFoundException':
      return `no secret ${secretId} in this account and region (check the id and AWS_REGION)`;
    case 'InvalidRequestException':
      return `${secretId} cannot be read; it may be scheduled for deletion (restore it with RestoreSecret)`;
    case 'ResourceExistsException':
      return operation === 'CreateSecret'
        ? `${secretId} already exists; rotate it instead of creating it`
        : `this version of ${secretId} already exists with another value`;
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return `Secrets Manager throttled the request for ${secretId}`;
    case 'InternalServiceError':
      return `Secrets Manager failed to serve ${secretId}`;
    case 'CredentialsProviderError':
      return 'no AWS credentials found; attach a role or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    case 'SyntaxError':
    case 'SerializationException':
      return `the answer for ${secretId} could not be read`;
    default:
      return status !== undefined && status >= 500
        ? `Secrets Manager failed to serve ${secretId}`
        : `the request for ${secretId} failed`;
  }
}
