import { Logger } from '@nestjs/common';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateKey, type KeySpec } from 'nestjs-token-auth';

/** A real SDK client aimed at the local endpoint, with dummy credentials. One attempt: the tests inject faults. */
export function localClient(endpoint: string, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts,
  });
}

export type TextKey = KeySpec & { key: string };

/** A ring JSON text with its count, and its keys (the first active). */
export function ringOf(...states: ('active' | 'verify-only')[]): { text: string; keys: TextKey[] } {
  const keys = states.map((state) => generateKey(state));
  return { text: JSON.stringify({ count: keys.length, keys }), keys };
}

/** The ring after a new key became active, the old ones kept verify-only: a reload that loses no key in use. */
export function successorOf(ring: { keys: TextKey[] }): { text: string; keys: TextKey[] } {
  const keys = [generateKey('active'), ...ring.keys.map((key) => ({ ...key, state: 'verify-only' as const }))];
  return { text: JSON.stringify({ count: keys.length, keys }), keys };
}

/** Collects what the key ring manager logs, to check it names error codes and never key bytes. */
export class CapturingLogger extends Logger {
  readonly lines: string[] = [];

  constructor() {
    super('TokenAuth');
  }

  override error(message: unknown): void {
    this.lines.push(String(message));
  }

  override warn(message: unknown): void {
    this.lines.push(String(message));
  }

  override log(message: unknown): void {
    this.lines.push(String(message));
  }
}

/** Waits until `check` returns true, polling; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
