import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createDemoApp } from '../../apps/demo/src/create-demo-app.js';
import { loadDemoConfig } from '../../apps/demo/src/config/demo-config.js';
import { keyRingText, PASSWORD } from '../demo/support/demo-harness.js';
import { launchChromium } from '../support/chromium.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const STEP_TIMEOUT = 15_000;

let app: INestApplication;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const config = loadDemoConfig({ DEMO_DB_PATH: ':memory:', TOKEN_AUTH_KEYS: keyRingText(), LOGIN_RATE_LIMIT: '1000' });
  app = await createDemoApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function device(userAgent: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ userAgent });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

async function signIn(page: Page, action: 'login' | 'register'): Promise<void> {
  await page.locator('#signed-out').waitFor({ state: 'visible' });
  await page.fill('input[name=username]', 'lin');
  await page.fill('input[name=password]', PASSWORD);
  await page.click(`#${action}`);
  await page.locator('#signed-in').waitFor({ state: 'visible' });
}

/** The page's activity list after a reload, once it holds `count` entries. */
async function activity(page: Page, count: number): Promise<{ kind: string; text: string }[]> {
  for (let attempt = 0; ; attempt++) {
    await page.reload();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    const items = page.locator('#activity li');
    if ((await items.count()) >= count || attempt === 20) {
      return Promise.all(
        (await items.all()).map(async (item) => ({
          kind: (await item.getAttribute('data-kind')) ?? '',
          text: (await item.textContent()) ?? '',
        })),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the demo page shows the account activity', () => {
  it('sign-ins with their device, and a device signed out everywhere, newest first, as text', async () => {
    const hostile = 'Phone-Browser/2.0 <img src=x onerror="document.body.dataset.pwned=1">';
    const laptop = await device('Laptop-Browser/1.0');
    const phone = await device(hostile);
    try {
      await signIn(laptop.page, 'register');
      await signIn(phone.page, 'login');
      const entries = await activity(laptop.page, 2);
      expect(entries.map((e) => e.kind)).toEqual(['signed_in', 'signed_in']);
      expect(entries[0]!.text).toContain(hostile);
      expect(entries[1]!.text).toContain('Laptop-Browser/1.0');
      expect(await laptop.page.locator('#activity img').count()).toBe(0);
      expect(await laptop.page.evaluate('document.body.dataset.pwned')).toBeUndefined();

      await phone.page.click('#logout-all');
      await phone.page.locator('#signed-out').waitFor({ state: 'visible' });
      await signIn(phone.page, 'login');
      const after = await activity(phone.page, 4);
      expect(after.map((e) => e.kind)).toEqual(['signed_in', 'signed_out_everywhere', 'signed_in', 'signed_in']);
      await expect(phone.page.locator('#activity li').nth(1).textContent()).resolves.toContain('Signed out everywhere');

      mkdirSync(ARTIFACTS, { recursive: true });
      await phone.page.screenshot({ path: `${ARTIFACTS}spa-activity.png`, fullPage: true });
    } finally {
      await laptop.context.close();
      await phone.context.close();
    }
  }, 90_000);
});
