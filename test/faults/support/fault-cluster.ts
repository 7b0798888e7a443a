import { expect } from '@jest/globals';
import { DemoCluster, PASSWORD, post, type Instance, type Pair } from '../../revocation/support/demo-instances.js';

export { DemoCluster, PASSWORD, post, type Instance, type Pair };

/**
 * Every demo of the fault suites: logins are not rate-limited, per address or per account (the trials log in
 * thousands of times, and the Sentinel suite logs each account in 17 times at once, which the account limit counts
 * as attempts in flight), and a password check waits its turn however long the queue (dozens of logins at once on a
 * loaded 2-core machine wait past the default second). Those limits are `test/flood/login-flood.e2e-spec.ts`'s
 * subject, not these suites'.
 */
export const FAULT_ENV = { LOGIN_RATE_LIMIT: '1000000', ACCOUNT_LOGIN_LIMIT: '1000000', HASHING_MAX_WAIT: '600000' };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A whole number from the environment, or `fallback` when unset. */
export function envInteger(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}

/** A demo answer as one string: `200`, `401 revoked_token`, `503 revocation_unavailable`, or the network error. */
export interface Answer {
  outcome: string;
  status: number;
  pair?: Pair;
  body?: Record<string, unknown>;
}

async function answer(request: () => Promise<{ status: number; body: Record<string, unknown> }>): Promise<Answer> {
  try {
    const { status, body } = await request();
    const outcome = status === 200 ? '200' : `${status} ${String(body.code ?? '')}`.trim();
    return { outcome, status, body, ...(status === 200 && { pair: body as unknown as Pair }) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { outcome: cause?.code ?? 'fetch failed', status: 0 };
  }
}

/** POST /auth/refresh with a refresh token in the body. */
export function refresh(instance: Instance, refreshToken: string): Promise<Answer> {
  return answer(() => post(instance, '/auth/refresh', { refresh_token: refreshToken }));
}

/** GET /me with an access token. */
export function me(instance: Instance, pair: Pair): Promise<Answer> {
  return answer(async () => {
    const response = await fetch(`${instance.url}/me`, { headers: { Authorization: `Bearer ${pair.access_token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  });
}

export async function register(instance: Instance, username: string, password = PASSWORD): Promise<void> {
  const { status } = await post(instance, '/auth/register', { username, password });
  expect(status).toBe(201);
}

export async function login(instance: Instance, username: string, password = PASSWORD): Promise<Pair> {
  const { status, body } = await post(instance, '/auth/login', { username, password });
  if (status !== 200)
    throw new Error(`login of ${username} on ${instance.url} answered ${status} ${String(body.code)}`);
  return body as Pair;
}

/** Outcome counts, printed as `{"200":3,"401 revoked_token":5}`. */
export class Tally {
  readonly counts: Record<string, number> = {};

  add(outcome: string, n = 1): void {
    this.counts[outcome] = (this.counts[outcome] ?? 0) + n;
  }

  get(outcome: string): number {
    return this.counts[outcome] ?? 0;
  }

  toString(): string {
    return JSON.stringify(this.counts);
  }
}

/** Every log line of the instances (stdout and stderr), for what the library logged. */
export function logsOf(instances: readonly Instance[]): string {
  return instances.map(({ demo }) => demo.stdout + demo.stderr).join('\n');
}

/** The log lines of a reuse detection (a refresh token presented after its successor was used). */
export const REUSE_LOG = /refresh token reused/i;

/** The one-line measurement summary of a fault suite, on stdout past Jest's console decoration. */
export function summary(line: string): void {
  console.log(line);
}
