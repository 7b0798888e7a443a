import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every Markdown page users or contributors read; docs link each claim to the test that shows it. */
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'BENCHMARKS.md',
  'libs/token-auth/CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** `[text](target)` with a relative target, its anchor dropped. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('links between the repository pages and files', () => {
  it.each(PAGES)('every relative link of %s names a file that exists', (page) => {
    const missing = relativeLinks(readFileSync(join(ROOT, page), 'utf8'))
      .map((target) => join(dirname(join(ROOT, page)), target))
      .filter((path) => !existsSync(path))
      .map((path) => relative(ROOT, path));
    expect(missing).toEqual([]);
  });
});
