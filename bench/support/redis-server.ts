import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A real redis-server without persistence on a free port, and a client connected to it. `args`: more redis-server
 * arguments (for example `--replicaof 127.0.0.1 <port> --dir <tmp>` for a replica).
 */
export async function startRedis(
  port: number,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; client: Redis }> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    {
      stdio: 'ignore',
    },
  );
  const client = new Redis({ port, lazyConnect: true, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  // A first attempt made before the server listens fails, and ioredis then reconnects by itself (a second
  // `connect()` would throw while it does): wait for it to be ready.
  await client.connect().catch(() => undefined);
  for (let i = 0; client.status !== 'ready'; i++) {
    if (i > 200) {
      client.disconnect();
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { child, client };
}
