import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port the OS reports free right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function answersPing(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [data] = (await once(socket, 'data')) as [Buffer];
    return data.toString().startsWith('+PONG');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * A real redis-server on a free loopback port, without persistence, for tests and benchmarks. `kill` stops it
 * like a crash (SIGKILL), also when paused; `start` again brings it back on the same port, empty.
 */
export class RedisServer {
  private process?: ChildProcess;
  private dir?: string;

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  /** `args` are extra redis-server arguments, kept for restarts (for example `--cluster-enabled yes`). */
  static async start(args: readonly string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), args);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    // A directory of its own unless given one: a replica's full sync writes a snapshot there, never in the checkout.
    this.dir ??= this.args.includes('--dir') ? undefined : mkdtempSync(join(tmpdir(), 'nta-redis-'));
    const child = spawn(
      'redis-server',
      [
        ...(this.dir === undefined ? [] : ['--dir', this.dir]),
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
        ...this.args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.process = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.process !== child) throw new Error(`redis-server exited on port ${this.port}: ${stderr}`);
      if (await answersPing(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await this.kill();
    throw new Error(`redis-server did not answer on port ${this.port}: ${stderr}`);
  }

  /** Stops the server at once, as a crash would; everything it held is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the server keeps its connections open and answers nothing, like a paused VM or a partition. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT after `pause`: the server processes everything sent to it meanwhile. */
  resume(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.process) throw new Error('redis-server is not running');
    this.process.kill(signal);
  }

  /** Kills the server and starts an empty one on the same port (for a server started without persistence). */
  async restartEmpty(): Promise<void> {
    await this.restart();
  }

  /**
   * Kills the server and starts it again with the same arguments: from its append-only file when started with
   * `--appendonly yes` (and a `--dir`), empty otherwise.
   */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}
