import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../demo/support/built-demo.js';

/**
 * scripts/ensure-setup.mjs on a machine without redis-server, run by a user who is not root: it must not try
 * apt-get, but stop with the one command to run. The script runs from a copy of the repository's scripts over an
 * installed, up-to-date dependency tree, as the unprivileged user `nobody` with only node on its PATH.
 */
describe('npm test set-up without redis-server, not as root', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ensure-setup-'));
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'node_modules'));
    mkdirSync(join(root, 'bin'));
    symlinkSync(process.execPath, join(root, 'bin/node'));
    for (const file of ['ensure-setup.mjs', 'npm-install-state.mjs'])
      copyFileSync(join(REPO_ROOT, 'scripts', file), join(root, 'scripts', file));
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'node_modules/.package-lock.json'), '{}');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'node_modules/.package-lock.json'), later, later);
    for (const directory of [root, join(root, 'scripts'), join(root, 'node_modules'), join(root, 'bin')])
      chmodSync(directory, 0o755);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints the exact apt-get command and exits 1', () => {
    const run = spawnSync(
      '/usr/bin/setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        join(root, 'scripts/ensure-setup.mjs'),
        'test',
      ],
      {
        encoding: 'utf8',
        env: { PATH: join(root, 'bin') },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^npm test needs redis-server( and chromium)?: run {2}sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server( chromium)?\n$/,
    );
    expect(run.stderr).not.toContain('setup: ');
  });
});
