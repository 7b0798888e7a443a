import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createDemoApp } from '../../apps/demo/src/create-demo-app.js';
import { loadDemoConfig } from '../../apps/demo/src/config/demo-config.js';
import { keyRingText, PASSWORD } from '../demo/support/demo-harness.js';
import { launchChromium } from '../support/chromium.js';

// The page imports nestjs-token-auth/client from the package's build: `npm run test:e2e` builds it first.
const STEP_TIMEOUT = 15_000;
const TEN_MINUTES = 600_000;

let app: INestApplication;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const config = loadDemoConfig({
    DEMO_DB_PATH: ':memory:',
    TOKEN_AUTH_KEYS: keyRingText(),
    LOGIN_RATE_LIMIT: '1000',
  });
  app = await createDemoApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function context(): Promise<BrowserContext> {
  const created = await browser.newContext();
  created.setDefaultTimeout(STEP_TIMEOUT);
  return created;
}

/** What a page's fetch of `path` with the share token answers: status and error code. */
async function tryWith(page: Page, token: string, method: string, path: string) {
  return page.evaluate(
    `fetch(${JSON.stringify(path)}, { method: ${JSON.stringify(method)}, credentials: 'omit',
       headers: { Authorization: 'Bearer ' + ${JSON.stringify(token)}, 'Content-Type': 'application/json' },
       body: ${method === 'POST' ? "JSON.stringify({ text: 'x' })" : 'undefined'} })
      .then(async (r) => ({ status: r.status, code: (await r.json().catch(() => ({}))).code }))`,
  ) as Promise<{ status: number; code?: string }>;
}

describe('the demo page: share this note (Chromium)', () => {
  it('mints a read-only link to one note in the browser; another browser reads it, and only it, until logout', async () => {
    const sharer = await context();
    const reader = await context();
    try {
      const page = await sharer.newPage();
      await page.goto(url);
      await page.locator('#signed-out').waitFor({ state: 'visible' });
      await page.fill('input[name=username]', 'grace');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('#register');
      await page.locator('#signed-in').waitFor({ state: 'visible' });
      for (const text of ['private plans', 'shared recipe']) {
        await page.fill('#note-form input[name=text]', text);
        await page.click('#add-note');
        await page.locator('#notes li', { hasText: text }).waitFor();
      }
      const sharedId = await page.locator('#notes li', { hasText: 'shared recipe' }).getAttribute('data-note-id');
      const privateId = await page.locator('#notes li', { hasText: 'private plans' }).getAttribute('data-note-id');

      // The link is made in this page by nestjs-token-auth/client; the page still sees no cookie.
      const before = Date.now();
      await page.locator('#notes li', { hasText: 'shared recipe' }).locator('button.share').click();
      await page.locator('#share').waitFor({ state: 'visible' });
      const link = await page.locator('#share-link').inputValue();
      expect(link.startsWith(`${url}/shared#nta1c.`)).toBe(true);
      expect(await page.evaluate('document.cookie')).toBe('');
      const token = link.slice(link.indexOf('#') + 1);

      // A second browser, signed in as nobody, opens it and reads the note.
      const readerPage = await reader.newPage();
      await readerPage.goto(link);
      await readerPage.locator('body[data-state="shown"]').waitFor({ state: 'attached' });
      expect(await readerPage.locator('#shared-note').textContent()).toBe('shared recipe');
      expect(await reader.cookies()).toEqual([]);

      // What the link says, read with the same client in the reader's page: 10 minutes, GET and HEAD, one note.
      const summary = (await readerPage.evaluate(
        `import('/assets/lib/client/index.js').then(({ readToken }) => readToken(${JSON.stringify(token)}))`,
      )) as { expiresAt: number; caveats: { expiresAt: number; methods: string[]; pathPrefix: string } };
      expect(summary.caveats).toMatchObject({ methods: ['GET', 'HEAD'], pathPrefix: `/notes/${sharedId}` });
      expect(summary.expiresAt).toBeGreaterThanOrEqual(before + TEN_MINUTES - 5_000);
      expect(summary.expiresAt).toBeLessThanOrEqual(Date.now() + TEN_MINUTES);
      // Its parent, the bearer token of the session the page narrowed, lives no longer than the link.
      const parent = (await page.evaluate(
        `fetch('/sharing/token', { method: 'POST', headers: { 'X-CSRF-Protection': '1' } }).then((r) => r.json())`,
      )) as { expires_in: number };
      expect(parent.expires_in).toBeLessThanOrEqual(TEN_MINUTES / 1000);

      // It cannot list the notes, read another, write, delete, or mint a token of its own.
      for (const [method, path] of [
        ['GET', '/notes'],
        ['GET', `/notes/${privateId}`],
        ['POST', '/notes'],
        ['DELETE', `/notes/${sharedId}`],
        ['POST', '/sharing/token'],
        ['GET', '/me'],
        ['GET', `/notes/${sharedId}/../${privateId}`],
      ]) {
        expect([method, path, await tryWith(readerPage, token, method!, path!)]).toEqual([
          method,
          path,
          { status: 401, code: 'caveat_unmet' },
        ]);
      }
      // Narrowing it further in the reader's browser cannot lengthen it: the earlier expiry stays.
      const longer = (await readerPage.evaluate(
        `import('/assets/lib/client/index.js').then(async ({ attenuate, readToken }) =>
           readToken(await attenuate(${JSON.stringify(token)}, [{ type: 'expires', at: Date.now() + 86400000 }])).expiresAt)`,
      )) as number;
      expect(longer).toBe(summary.expiresAt);

      // The sharer signs out: the session's tokens are revoked, and the link with them.
      await page.click('#logout');
      await page.locator('#signed-out').waitFor({ state: 'visible' });
      await readerPage.reload();
      await readerPage.locator('body[data-state="refused"]').waitFor({ state: 'attached' });
      expect(await readerPage.locator('body').getAttribute('data-code')).toBe('revoked_token');
      expect(await readerPage.locator('#shared-note').isHidden()).toBe(true);
    } finally {
      await sharer.close();
      await reader.close();
    }
  }, 90_000);
});
