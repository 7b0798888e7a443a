import type { BuiltDemo } from '../demo/support/built-demo.js';

/** What login and refresh answer. */
export interface Pair {
  access_token: string;
  refresh_token: string;
}

/** A built demo process and the URL it listens on. */
export interface Instance {
  demo: BuiltDemo;
  url: string;
}

export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function post(instance: Instance, path: string, body: object, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

/** GET /me with the access token: the status and error code. */
export async function me(instance: Instance, pair: Pair): Promise<string> {
  const response = await fetch(`${instance.url}/me`, { headers: { Authorization: `Bearer ${pair.access_token}` } });
  const body = (await response.json()) as { code?: string };
  return response.status === 200 ? '200' : `${response.status} ${body.code}`;
}
