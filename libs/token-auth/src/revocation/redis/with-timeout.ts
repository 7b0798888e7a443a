/**
 * Rejects when `promise` has not settled within `ms`; the operation itself may still complete later (a command
 * that timed out still reaches Redis when it answers again, and ioredis resends unanswered commands after a
 * reconnect). Callers are built for that: a revocation write is reported queued and merges keep the later
 * cut-off and expiry; a refresh successor is deterministic, so a retry of a refresh answered 503 gets the same pair.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
