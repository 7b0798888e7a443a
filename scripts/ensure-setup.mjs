#!/usr/bin/env node
// `npm start` and `npm test` run this first, so that each works on a fresh machine: it installs what is missing
// (dependencies with `npm ci`; Debian's redis-server and chromium with apt-get when run as root) or, when it
// cannot, prints the one command that does and stops. For the demo it also builds, unless the build is newer
// than every source, so that a second `npm start` starts at once.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { needsInstall } from './npm-install-state.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const purpose = process.argv[2];
if (purpose !== 'demo' && purpose !== 'test') {
  console.error('usage: node scripts/ensure-setup.mjs demo|test');
  process.exit(2);
}

function run(command, args) {
  console.error(`setup: ${command} ${args.join(' ')}`);
  execFileSync(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((directory) => directory && existsSync(join(directory, name)));
}

// What `npm run build` reads, and the build state it writes last for each project.
const BUILD_INPUTS = [
  'tsconfig.json',
  'package-lock.json',
  'libs/token-auth/src',
  'libs/token-auth/package.json',
  'libs/token-auth/tsconfig.lib.json',
  'libs/token-auth/tsconfig.cjs.json',
  'apps/demo/src',
  'apps/demo/tsconfig.app.json',
];
const BUILD_STATES = [
  'libs/token-auth/dist/esm.tsbuildinfo',
  'libs/token-auth/dist/cjs.tsbuildinfo',
  'libs/token-auth/dist/cjs/package.json',
  'dist/apps/demo.tsbuildinfo',
];

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

function buildStale() {
  const states = BUILD_STATES.map((path) => join(ROOT, path));
  if (!states.every((path) => existsSync(path))) return true;
  const built = Math.min(...states.map((path) => statSync(path).mtimeMs));
  return BUILD_INPUTS.some((path) => newestChange(join(ROOT, path)) > built);
}

if (needsInstall(ROOT)) run('npm', ['ci', '--no-audit', '--no-fund']);
if (purpose === 'demo' && buildStale()) {
  run('npm', ['run', 'build', '--silent']);
  // tsc -b leaves its state alone when a touched file's content is unchanged: mark the build as current.
  const now = new Date();
  for (const path of BUILD_STATES) utimesSync(join(ROOT, path), now, now);
}

if (purpose === 'test') {
  // The tests start their own redis-server processes; the browser test drives Debian's chromium (no download).
  const missing = [!onPath('redis-server') && 'redis-server', !existsSync('/usr/bin/chromium') && 'chromium'].filter(
    Boolean,
  );
  if (missing.length > 0) {
    const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
    if (process.getuid?.() !== 0) {
      console.error(`npm test needs ${missing.join(' and ')}: run  sudo apt-get update && sudo ${install.join(' ')}`);
      process.exit(1);
    }
    run('apt-get', ['update']);
    run(install[0], install.slice(1));
  }
}
