import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveKeyId } from 'nestjs-token-auth';
import { REPO_ROOT } from '../demo/support/built-demo.js';

const LIBRARY = join(REPO_ROOT, 'libs/token-auth');
const ENTRY_POINTS = ['.', './aws', './redis', './terminus', './client'];

interface PackedFile {
  path: string;
}
interface Conditions {
  types: string;
  default: string;
}
interface Manifest {
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, { import: Conditions; require: Conditions } | string>;
  typesVersions: Record<string, Record<string, string[]>>;
  repository?: unknown;
  homepage?: string;
  keywords?: string[];
  sideEffects?: boolean;
}

/** GitHub's anchor of a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The tarball `npm pack` makes of the library, unpacked: what `npm install nestjs-token-auth` puts on disk. */
describe('the npm tarball of nestjs-token-auth', () => {
  let work: string;
  let unpacked: string;
  let files: string[];
  let manifest: Manifest;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nta-tarball-'));
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', work], {
        cwd: LIBRARY,
        encoding: 'utf8',
      }),
    ) as Array<{ filename: string; files: PackedFile[] }>;
    execFileSync('tar', ['-xzf', join(work, packed!.filename), '-C', work]);
    unpacked = join(work, 'package');
    files = packed!.files.map((file) => file.path);
    manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Manifest;
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds the two builds, the bin, the README, LICENSE and CHANGELOG, and nothing else', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'bin/nestjs-token-auth.js',
      'dist/cjs/package.json',
    ]) {
      expect(files).toContain(file);
    }
    const outside = files.filter(
      (file) =>
        !/^dist\/(esm|cjs)\//.test(file) &&
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|bin\/[\w-]+\.js)$/.test(file),
    );
    expect(outside).toEqual([]);
  });

  it("ships the repository's README for users, whose links all work on npm", () => {
    const readme = readFileSync(join(unpacked, 'README.md'), 'utf8');
    const repository = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    // The whole of it (API, configuration, recipes), less the section on working in the repository.
    const sections = (markdown: string) => markdown.match(/^## .*$/gm) ?? [];
    expect(sections(readme)).toEqual(sections(repository).filter((heading) => !/fresh machine/.test(heading)));
    expect(readme).toContain(repository.slice(repository.indexOf('## API'), repository.indexOf('| `TokenService')));
    // No relative link (the tarball holds no docs/ and no tests): GitHub links to files that exist, or this page.
    const anchors = new Set([...readme.matchAll(/^#+ (.*)$/gm)].map(([, heading]) => anchorOf(heading!)));
    for (const [, target] of readme.matchAll(/\]\(([^)\s]*)\)/g)) {
      const github = /^https:\/\/github\.com\/nestjs-token-auth\/nestjs-token-auth\/(?:blob|tree)\/main\/([^#]+)/.exec(
        target!,
      );
      const works = target!.startsWith('#')
        ? anchors.has(target!.slice(1))
        : github
          ? existsSync(join(REPO_ROOT, github[1]!))
          : /^https:\/\//.test(target!);
      expect({ target, works }).toEqual({ target, works: true });
    }
  });

  it('has no tests, fixtures, TypeScript sources or build state', () => {
    const unwanted = files.filter((file) =>
      /\.spec\.|e2e-spec|fixture|__tests__|\.tsbuildinfo$|(?<!\.d)\.ts$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  it('has the JavaScript and types of every entry point for import and for require', () => {
    expect(Object.keys(manifest.exports).filter((key) => key !== './package.json')).toEqual(ENTRY_POINTS);
    for (const entry of ENTRY_POINTS) {
      const conditions = manifest.exports[entry];
      expect(conditions).toMatchObject({
        import: { types: expect.stringMatching(/^\.\/dist\/esm\//) },
        require: { types: expect.stringMatching(/^\.\/dist\/cjs\//) },
      });
      if (conditions === undefined || typeof conditions === 'string') continue;
      for (const target of [
        conditions.import.types,
        conditions.import.default,
        conditions.require.types,
        conditions.require.default,
      ]) {
        expect({ entry, target, packed: files.includes(target.slice(2)) }).toEqual({ entry, target, packed: true });
      }
    }
    // TypeScript's node10 resolution reads main/types and typesVersions instead of exports.
    const node10 = [manifest.main, manifest.types, ...Object.values(manifest.typesVersions['*']!).flat()];
    expect(node10).toHaveLength(6);
    for (const target of node10)
      expect({ target, packed: files.includes(target.replace(/^\.\//, '')) }).toEqual({ target, packed: true });
  });

  it('marks dist/cjs as CommonJS and dist/esm as ESM', () => {
    expect(JSON.parse(readFileSync(join(unpacked, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(readFileSync(join(unpacked, 'dist/cjs/index.js'), 'utf8')).toContain('require("./token-auth.module.js")');
    expect(readFileSync(join(unpacked, 'dist/esm/index.js'), 'utf8')).toContain("from './token-auth.module.js'");
  });

  it('ships source maps that carry their sources', () => {
    const maps = files.filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      expect({
        map,
        carried: sourcesContent?.length === sources.length && sourcesContent.every((text) => text.length > 0),
      }).toEqual({ map, carried: true });
    }
  });

  it('has the npm page fields', () => {
    expect(manifest).toMatchObject({
      repository: expect.anything(),
      homepage: expect.stringMatching(/^https:\/\//),
      sideEffects: false,
    });
    expect(manifest.keywords).toEqual(expect.arrayContaining(['nestjs', 'authentication']));
  });

  describe('its CLI, run from the unpacked tarball with no dependencies installed', () => {
    function cli(...args: string[]) {
      return spawnSync(process.execPath, [join(unpacked, manifest.bin['nestjs-token-auth']!), ...args], {
        cwd: work,
        encoding: 'utf8',
      });
    }

    it('links its docs by URL, not by a path the tarball does not hold', () => {
      const help = cli('--help');
      expect(help.status).toBe(0);
      const docs = help.stderr.match(/\S*docs\/[\w-]+\.md/g) ?? [];
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) expect(doc).toMatch(/^https:\/\//);
    });

    it('prints its usage and exits 2 with no arguments', () => {
      const run = cli();
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/a command is required[^]*Usage: nestjs-token-auth/);
    });

    it('says which package to install when the AWS SDK is missing', () => {
      expect(existsSync(join(work, 'node_modules'))).toBe(false);
      const run = cli('rotate', '--secret-id', 'app/keys');
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        'error: MissingDependencyError: this command needs the AWS SDK: run  npm install @aws-sdk/client-secrets-manager',
      );
    });

    it('the client entry loads and attenuates with no dependency installed, as ESM and as CommonJS', () => {
      // A token of no key: attenuating needs none, and the format's checks are all it runs.
      const body = Buffer.alloc(91);
      body.set([1, 1], 0);
      body[55] = 1;
      body[56] = 0x61;
      const token = `nta1.${body.toString('base64url')}`;
      const script = (load: string) =>
        `${load}.then(({ attenuate }) => attenuate(${JSON.stringify(token)}, [{ type: 'methods', methods: ['GET'] }]))` +
        '.then((child) => console.log(child.slice(0, 6)))';
      for (const [flag, load] of [
        ['--input-type=module', `import(${JSON.stringify(join(unpacked, 'dist/esm/client/index.js'))})`],
        [
          '--input-type=commonjs',
          `Promise.resolve(require(${JSON.stringify(join(unpacked, 'dist/cjs/client/index.js'))}))`,
        ],
      ] as const) {
        const run = spawnSync(process.execPath, [flag, '-e', script(load)], { cwd: work, encoding: 'utf8' });
        expect({ flag, stderr: run.stderr, stdout: run.stdout }).toEqual({ flag, stderr: '', stdout: 'nta1c.\n' });
      }
    });

    it('keygen works', () => {
      const run = cli('keygen');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^TOKEN_AUTH_KEYS=[\w-]{12}:nta-key-v1\.[\w-]{43}\.[\w-]{8},n=1\n$/);
    });

    it('wrap works', () => {
      const bytes = createHash('sha256').update('tarball wrap').digest();
      const ring = `${deriveKeyId(bytes)}:${bytes.toString('base64url')}`;
      const run = spawnSync(
        process.execPath,
        [join(unpacked, manifest.bin['nestjs-token-auth']!), 'wrap', '--env', 'OLD'],
        {
          cwd: work,
          encoding: 'utf8',
          env: { ...process.env, OLD: ring },
        },
      );
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^OLD=${deriveKeyId(bytes)}:nta-key-v1\\.[\\w-]{43}\\.[\\w-]{8},n=1\n$`));
    });
  });
});
