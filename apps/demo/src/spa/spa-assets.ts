import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The page's static files live in `apps/demo/src/spa/public`, which tsc does not copy: found beside this module
 * when it runs from source (tests), or from `dist/apps/demo/spa` back to the source tree when it runs compiled.
 */
const CANDIDATES = ['./public/', '../../../../apps/demo/src/spa/public/'];

export const SPA_FILES = ['index.html', 'app.js', 'app.css', 'share.js', 'shared.html', 'shared.js'] as const;
export type SpaFile = (typeof SPA_FILES)[number];

/** Reads the page once, at startup; a missing file stops the demo with the paths it looked in. */
export function loadSpaAssets(): Record<SpaFile, string> {
  const directories = CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)));
  const directory = directories.find((path) => existsSync(`${path}index.html`));
  if (directory === undefined) {
    throw new Error(`the demo page is missing: no index.html in ${directories.join(' or ')}`);
  }
  const read = (file: SpaFile) => readFileSync(`${directory}${file}`, 'utf8');
  return Object.fromEntries(SPA_FILES.map((file) => [file, read(file)])) as Record<SpaFile, string>;
}
