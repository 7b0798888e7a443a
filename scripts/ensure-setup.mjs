#!/usr/bin/env node
// `npm start` and `npm test` run this first, so that each works on a fresh machine: it installs what is missing
// (dependencies with `npm ci`; Debian's redis-server and chromium with apt-get when run as root) or, when it
// cannot, prints the one command that does and stops.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((directory) => directory && existsSync(join(directory, name)));
}

if (needsInstall(ROOT)) run('npm', ['ci', '--no-audit', '--no-fund']);

if (purpose === 'test') {
  // The tests start their own redis-server processes; the browser test drives Debian's chromium (no download).
  const missing = [!onPath('redis-server') && 'redis-server', !existsSync('/usr/bin/chromium') && 'chromium'].filter(Boolean);
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
