import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Test } from '@nestjs/testing';
import { TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';

/**
 * `nestjs-token-auth/client` in the runtimes its docs name besides Node (whose specs run beside the source): Deno
 * (the npm `deno` package), and a dedicated worker and a service worker in Chromium. Each narrows a token the
 * server issued, with the package's built client (`npm run test:e2e` builds it first); the server then verifies
 * the child: allowed inside its caveats, refused outside them.
 */

const ESM = fileURLToPath(new URL('../../libs/token-auth/dist/esm/', import.meta.url));
const DENO = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));
const CAVEATS = [
  { type: 'methods', methods: ['GET'] },
  { type: 'path', prefix: '/notes/7' },
];

let tokens: TokenService;
let parent: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
  tokens = moduleRef.get(TokenService);
  parent = tokens.issue('42').token;
});

/** The child verifies for a GET under /notes/7 with its parent's subject, and nowhere else. */
function expectNarrowed(child: string): void {
  expect(child).toMatch(/^nta1c\./);
  expect(tokens.verify(child, { method: 'GET', path: '/notes/7' }).sub).toBe('42');
  expect(() => tokens.verify(child, { method: 'POST', path: '/notes/7' })).toThrow(
    expect.objectContaining({ code: 'caveat_unmet' }),
  );
  expect(() => tokens.verify(child, { method: 'GET', path: '/notes/8' })).toThrow(
    expect.objectContaining({ code: 'caveat_unmet' }),
  );
}

describe('the client entry under Deno', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nta-deno-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('attenuates a token with WebCrypto, and the server verifies the child within its caveats only', async () => {
    const script = join(dir, 'attenuate.mjs');
    const client = pathToFileURL(join(ESM, 'client/index.js')).href;
    writeFileSync(
      script,
      `import { attenuate } from ${JSON.stringify(client)};\n` +
        `console.log(await attenuate(Deno.args[0], ${JSON.stringify(CAVEATS)}));\n`,
    );
    const { stdout } = await promisify(execFile)(DENO, ['run', '--quiet', '--no-prompt', script, parent], {
      cwd: dir,
      env: { ...process.env, DENO_DIR: join(dir, 'cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expectNarrowed(stdout.trim());
  });
});

describe('the client entry in Chromium workers', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;

  /** The built package under /lib/, a worker and a service worker that attenuate what they are sent. */
  const WORKER = `import { attenuate } from '/lib/client/index.js';
self.onmessage = async ({ data }) => self.postMessage(await attenuate(data.token, data.caveats));`;
  const SERVICE_WORKER = `import { attenuate } from '/lib/client/index.js';
self.addEventListener('message', async ({ data, ports }) => ports[0].postMessage(await attenuate(data.token, data.caveats)));`;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const send = (type: string, body: string | Buffer) => {
        response.writeHead(200, { 'Content-Type': type });
        response.end(body);
      };
      if (path === '/') return send('text/html', '<!doctype html><title>client</title>');
      if (path === '/worker.js') return send('text/javascript', WORKER);
      if (path === '/sw.js') return send('text/javascript', SERVICE_WORKER);
      const file = normalize(join(ESM, path.slice('/lib/'.length)));
      if (path.startsWith('/lib/') && file.startsWith(ESM) && file.endsWith('.js')) {
        try {
          return send('text/javascript', readFileSync(file));
        } catch {
          // not in the build: 404 below
        }
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('a dedicated module worker attenuates a token; the server verifies the child within its caveats only', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    const child = (await page.evaluate(`new Promise((resolve, reject) => {
      const worker = new Worker('/worker.js', { type: 'module' });
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage(${JSON.stringify({ token: parent, caveats: CAVEATS })});
    })`)) as string;
    await page.close();
    expectNarrowed(child);
  });

  it('a module service worker attenuates a token; the server verifies the child within its caveats only', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    const child = (await page.evaluate(`(async () => {
      await navigator.serviceWorker.register('/sw.js', { type: 'module' });
      const { active } = await navigator.serviceWorker.ready;
      return new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = ({ data }) => resolve(data);
        active.postMessage(${JSON.stringify({ token: parent, caveats: CAVEATS })}, [channel.port2]);
      });
    })()`)) as string;
    await page.close();
    expectNarrowed(child);
  });
});
