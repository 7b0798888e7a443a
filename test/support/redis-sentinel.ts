import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisCommand } from './redis-admin.js';
import { freePort, RedisServer } from './redis-server.js';
import { TcpProxy } from './tcp-proxy.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `INFO replication` as fields. */
export async function replicationInfo(url: string): Promise<Record<string, string>> {
  const text = String(await redisCommand(url, 'INFO', 'replication'));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (${String(lastError)})` : ''}`);
    }
    await sleep(50);
  }
}

/** One Sentinel: `redis-server sentinel.conf --sentinel` on a free loopback port, its config in a temp dir. */
class SentinelProcess {
  private child?: ChildProcess;
  output = '';

  constructor(
    readonly port: number,
    private readonly config: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', [this.config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await until(`Sentinel on port ${this.port} answering`, 5000, async () => {
      if (!this.child) throw new Error(`Sentinel exited: ${this.output}`);
      return (await redisCommand(this.url, 'PING')) === 'PONG' ? true : undefined;
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

export interface SentinelGroupOptions {
  /** Sentinels watching the primary: 1 or 3 (default 1). */
  sentinels?: number;
  /**
   * Sentinel `down-after-milliseconds`: how long the primary may not answer before it is taken for down. Default
   * 2000. At a switch of primary a Sentinel starts this clock for the new one, but reconnects at most once a second,
   * counted from its last try on the dead one, so the first reply can come a second and a tick after: at 1000, a
   * false `+sdown` that failed over again (in at least 3 of 9 runs), to the former primary once it had rejoined:
   * two primaries, until the Sentinels turn the other back into a replica (which drops what it took meanwhile).
   */
  downAfterMs?: number;
  /** Master name the Sentinels know the group by. Default `nta`. */
  name?: string;
}

/**
 * A Redis primary, one replica, and Sentinels watching them (quorum 1), all on free loopback ports, for failover
 * tests. The replica replicates THROUGH a `TcpProxy` (`replicationLink`), so its replication can be delayed
 * (`replicationLink.lag(1000, 'toClient')`) or stalled; it announces its own address, so the Sentinels reach it
 * directly and can promote it. The Sentinels' `failover-timeout` is long (10 min): they would otherwise "fix" the
 * replica to replicate from the primary's own port, around the proxy, once that long had passed since they found
 * it (a promotion does not wait for it). `replicatingThroughLink` tells whether the replica still goes through it.
 *
 * `crashPrimary()` stands for the primary's host failing: the proxy is closed first (what it held back for the
 * replica is lost, as it would be in the dead host's buffers), then the primary is killed (SIGKILL).
 */
export class SentinelGroup {
  private constructor(
    readonly primary: RedisServer,
    readonly replica: RedisServer,
    readonly replicationLink: TcpProxy,
    private readonly sentinelProcesses: SentinelProcess[],
    readonly name: string,
    private readonly dir: string,
  ) {}

  static async start({
    sentinels = 1,
    downAfterMs = 2000,
    name = 'nta',
  }: SentinelGroupOptions = {}): Promise<SentinelGroup> {
    const dir = mkdtempSync(join(tmpdir(), 'nta-sentinel-'));
    // A full resynchronisation starts at once rather than after the default 5 s of waiting for more replicas; the
    // replica loads it without writing dump.rdb (into the working directory otherwise).
    const syncArgs = [
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
      '--repl-diskless-load',
      'on-empty-db',
      '--dir',
      dir,
    ];
    const primary = await RedisServer.start(syncArgs);
    const link = await TcpProxy.start(primary.port);
    const replica = await RedisServer.start([...syncArgs, '--replicaof', '127.0.0.1', String(link.port)]);
    const processes: SentinelProcess[] = [];
    const group = new SentinelGroup(primary, replica, link, processes, name, dir);
    try {
      await until('replica in sync through the proxy', 10_000, async () =>
        (await replicationInfo(replica.url)).master_link_status === 'up' ? true : undefined,
      );
      for (let i = 0; i < sentinels; i++) {
        const port = await freePort();
        const config = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          config,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            'loglevel warning',
            `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`,
            `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
            `sentinel failover-timeout ${name} 600000`,
            `sentinel parallel-syncs ${name} 1`,
            '',
          ].join('\n'),
        );
        const sentinel = new SentinelProcess(port, config);
        processes.push(sentinel);
        await sentinel.start();
      }
      // Every Sentinel knows the replica (from the primary's INFO) and, with several, the other Sentinels.
      await until('Sentinels aware of the replica and of each other', 20_000, async () => {
        for (const sentinel of processes) {
          const replicas = (await redisCommand(sentinel.url, 'SENTINEL', 'REPLICAS', name)) as string[][];
          const known = replicas.some((fields) => {
            const info = fieldsOf(fields);
            return info.port === String(replica.port) && !/s_down|disconnected/.test(info.flags ?? '');
          });
          const peers = (await redisCommand(sentinel.url, 'SENTINEL', 'SENTINELS', name)) as unknown[];
          if (!known || peers.length < processes.length - 1) return undefined;
        }
        return true;
      });
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  /** The Sentinels' addresses. */
  get sentinels(): { host: string; port: number }[] {
    return this.sentinelProcesses.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** `redis+sentinel://` URL of the group, as the demo's REDIS_URL takes it. */
  get url(): string {
    return `redis+sentinel://${this.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}/${this.name}`;
  }

  /** The primary's port according to the first Sentinel. */
  async primaryPort(): Promise<number> {
    const [, port] = (await redisCommand(
      this.sentinelProcesses[0]!.url,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      this.name,
    )) as [string, string];
    return Number(port);
  }

  /** Whether the replica replicates through `replicationLink` (the Sentinels have not pointed it elsewhere). */
  async replicatingThroughLink(): Promise<boolean> {
    const info = await replicationInfo(this.replica.url);
    return info.master_port === String(this.replicationLink.port) && info.master_link_status === 'up';
  }

  /** Replication bytes the replica is behind the primary (the primary's view, as of the replica's last ack). */
  async replicationLagBytes(): Promise<number> {
    const info = await replicationInfo(this.primary.url);
    const replica = info.slave0 ? Object.fromEntries(info.slave0.split(',').map((kv) => kv.split('='))) : {};
    return Number(info.master_repl_offset) - Number(replica.offset ?? 0);
  }

  /** The primary's host fails: what the link held back for the replica is lost, then the primary is killed. */
  async crashPrimary(): Promise<void> {
    await this.replicationLink.close();
    await this.primary.kill();
  }

  /** Resolves once every Sentinel names the replica as the primary and the replica says it is one. */
  async promoted(timeoutMs = 30_000): Promise<void> {
    await until('replica promoted by the Sentinels', timeoutMs, async () => {
      for (const sentinel of this.sentinelProcesses) {
        const [, port] = (await redisCommand(sentinel.url, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [
          string,
          string,
        ];
        if (Number(port) !== this.replica.port) return undefined;
      }
      return (await replicationInfo(this.replica.url)).role === 'master' ? true : undefined;
    });
  }

  /**
   * The failed primary's host comes back, as an orchestrator would bring it back: the server restarts empty (no
   * persistence) and replicates from the promoted one, directly (not through the link), so that the group has a
   * replica again. Resolves once it is in sync.
   */
  async rejoinFormerPrimary(timeoutMs = 10_000): Promise<void> {
    await this.primary.start();
    await redisCommand(this.primary.url, 'REPLICAOF', '127.0.0.1', this.replica.port);
    await until('former primary in sync as a replica', timeoutMs, async () =>
      (await replicationInfo(this.primary.url)).master_link_status === 'up' ? true : undefined,
    );
  }

  /** The servers that say they are a primary: 1 unless the Sentinels failed over twice (or a server was restarted). */
  async primaries(): Promise<number> {
    const roles = await Promise.all(
      [this.primary, this.replica].map((server) => replicationInfo(server.url).then((info) => info.role)),
    );
    return roles.filter((role) => role === 'master').length;
  }

  /** Failovers the Sentinels started from the replica once it was promoted: a second failover, successful or not. */
  get failoversFromPromoted(): number {
    const from = `+try-failover master ${this.name} 127.0.0.1 ${this.replica.port}`;
    return this.sentinelLogs.split('\n').filter((line) => line.includes(from)).length;
  }

  /** The Sentinels' log lines (warning level: switches of primary, failover steps). */
  get sentinelLogs(): string {
    return this.sentinelProcesses.map(({ output }) => output).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.sentinelProcesses.map((sentinel) => sentinel.kill()));
    await this.replicationLink.close();
    await Promise.all([this.primary.kill(), this.replica.kill()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Sentinel reply's flat `[name, value, name, value, ...]` list as fields. */
function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
