#!/usr/bin/env node
// The README npm shows is the repository's README.md, made at pack time (`prepack`), so the two never drift: the
// sections only a contributor needs are left out, and every relative link becomes an absolute GitHub link, since the
// tarball holds neither docs/ nor the tests the README links to. The written file is not committed.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY = 'https://github.com/nestjs-token-auth/nestjs-token-auth';

/** `##` sections of the repository README about working on the repository, not using the package. */
export const REPOSITORY_ONLY_SECTIONS = ['Quick start on a fresh machine'];

/** GitHub's anchor of a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
export function anchorOf(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The `#`-headings of a Markdown text outside code blocks, as GitHub anchors. */
export function anchorsOf(markdown) {
  const anchors = new Set();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(anchorOf(heading[1]));
  }
  return anchors;
}

/** The package README made from the repository README whose folder is `root`. */
export function packageReadme(markdown, root) {
  const kept = [];
  let dropping = false;
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const section = !fenced && /^##\s+(.*)$/.exec(line);
    if (section) dropping = REPOSITORY_ONLY_SECTIONS.includes(section[1].trim());
    if (!dropping) kept.push(line);
  }
  const text = kept.join('\n');
  const anchors = anchorsOf(text);
  const body = text.replace(/\]\(([^)\s]*)\)/g, (link, target) => {
    if (/^[a-z]+:/i.test(target)) return link;
    const [path, anchor] = target.split('#');
    // An anchor of this page that was left out: the repository's page has it.
    if (path === '') return anchors.has(anchor) ? link : `](${REPOSITORY}#${anchor})`;
    const kind = existsSync(join(root, path)) && statSync(join(root, path)).isDirectory() ? 'tree' : 'blob';
    return `](${REPOSITORY}/${kind}/main/${path.replace(/^\.\//, '')}${anchor === undefined ? '' : `#${anchor}`})`;
  });
  return `<!-- Made from the repository's README.md when the package is packed: edit that one. -->\n\n${body}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const library = fileURLToPath(new URL('..', import.meta.url));
  const root = join(library, '../..');
  writeFileSync(join(library, 'README.md'), packageReadme(readFileSync(join(root, 'README.md'), 'utf8'), root));
}
