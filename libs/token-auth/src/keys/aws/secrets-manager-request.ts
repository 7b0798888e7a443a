import { toSecretsManagerError } from './secrets-manager.error.js';

export interface RequestContext {
  operation: string;
  secretId: string;
  /** Milliseconds before the request is aborted: the SDK's own requestTimeout only logs a warning. */
  timeout: number;
  /** The caller's signal (the key ring manager's load deadline), if any. */
  signal?: AbortSignal;
}

/** Runs one SDK call under an abort deadline, turning any failure into a `SecretsManagerError`. */
export async function secretsManagerRequest<T>(
  context: RequestContext,
  run: (options: { abortSignal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(context.timeout);
  const abortSignal = context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
  try {
    return await run({ abortSignal });
  } catch (error) {
    const timedOut = abortSignal.aborted ? { ms: context.timeout } : undefined;
    throw toSecretsManagerError(error, context.operation, context.secretId, timedOut);
  }
}
