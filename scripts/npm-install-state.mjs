import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** npm writes node_modules/.package-lock.json on every install: missing, or older than package-lock.json, is stale. */
export function needsInstall(directory) {
  const installed = join(directory, 'node_modules/.package-lock.json');
  return !existsSync(installed) || statSync(installed).mtimeMs < statSync(join(directory, 'package-lock.json')).mtimeMs;
}
