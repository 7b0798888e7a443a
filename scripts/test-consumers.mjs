#!/usr/bin/env node
// Runs the consumer apps in test/consumers as their users would: each installs its own locked dependencies from
// the npm registry (`npm ci`), then the library from the tarball `npm pack` makes (not the workspace), then runs
// its own `npm test` (type checks of every entry point, its unit and e2e specs) against a real redis-server.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsInstall } from './npm-install-state.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const CONSUMERS = join(ROOT, 'test/consumers');
const apps = readdirSync(CONSUMERS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function npm(cwd, args, env = process.env) {
  console.log(`\n> (${cwd.slice(ROOT.length)}) npm ${args.join(' ')}`);
  execFileSync('npm', args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env });
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function answersPing(port) {
  const socket = new Socket();
  try {
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [data] = await once(socket, 'data');
    return data.toString().startsWith('+PONG');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) break;
    if (await answersPing(port)) return { child, url: `redis://127.0.0.1:${port}` };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

const packDir = mkdtempSync(join(tmpdir(), 'nestjs-token-auth-pack-'));
const redis = await startRedis();
const timings = [];
try {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', packDir], {
      cwd: join(ROOT, 'libs/token-auth'),
      encoding: 'utf8',
    }),
  );
  const tarball = join(packDir, filename);
  for (const app of apps) {
    const started = Date.now();
    const cwd = join(CONSUMERS, app);
    if (needsInstall(cwd)) npm(cwd, ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
    // --no-save keeps package.json and the lockfile as committed: they hold only what comes from the registry.
    npm(cwd, ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
    npm(cwd, ['test'], { ...process.env, REDIS_URL: redis.url });
    timings.push(`${app} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  redis.child.kill('SIGKILL');
  rmSync(packDir, { recursive: true, force: true });
}
console.log(`\nconsumer apps passed: ${timings.join(', ')}`);
