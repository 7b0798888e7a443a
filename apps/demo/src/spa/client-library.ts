import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Folders of the library's ES build the client entry's modules live in: its own and the wire format's. */
export const CLIENT_LIBRARY_FOLDERS = ['client', 'format'] as const;

/**
 * The ES modules of `nestjs-token-auth/client`, read once from the package's build (`dist/esm`): its entry and every
 * module it imports, by path (`client/index.js`, `format/caveats.js`), so the page imports it as the package ships
 * it, with no bundler. Empty when the package is not built (the page then has no share button that works).
 */
export function loadClientLibrary(): Map<string, string> {
  const modules = new Map<string, string>();
  let root: string;
  try {
    root = join(dirname(createRequire(import.meta.url).resolve('nestjs-token-auth/package.json')), 'dist/esm');
  } catch {
    return modules;
  }
  const pending = ['client/index.js'];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (modules.has(path)) continue;
    let text: string;
    try {
      text = readFileSync(join(root, path), 'utf8');
    } catch {
      return new Map();
    }
    modules.set(path, text.replace(/\n\/\/# sourceMappingURL=.*$/, ''));
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*'(\.{1,2}\/[^']+)'/g)) {
      const resolved = join(dirname(path), specifier!);
      if (!CLIENT_LIBRARY_FOLDERS.some((folder) => resolved.startsWith(`${folder}/`))) {
        throw new Error(`the client entry imports ${resolved}, outside ${CLIENT_LIBRARY_FOLDERS.join(' and ')}`);
      }
      pending.push(resolved);
    }
  }
  return modules;
}
