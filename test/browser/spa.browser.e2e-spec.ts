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
// Page scripts are given as strings: this project compiles without the DOM library.

let app: INestApplication;
let browser: Browser;
let url: string;

beforeAll(async () => {
  // A 3 s access token: the page must renew it silently while the test watches.
  const config = loadDemoConfig({
    DEMO_DB_PATH: ':memory:',
    TOKEN_AUTH_KEYS: keyRingText(),
    ACCESS_TOKEN_TTL: '3',
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

/**
 * A browser context: one device. With `frozenTimers`, the page's own timers (its silent refresh) never fire;
 * `userAgent` is what it sends as its User-Agent.
 */
async function device(frozenTimers = false, userAgent?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(userAgent === undefined ? {} : { userAgent });
  context.setDefaultTimeout(STEP_TIMEOUT);
  if (frozenTimers) await context.clock.install();
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

async function signIn(page: Page, action: 'login' | 'register', username = 'ada'): Promise<void> {
  await page.locator('#signed-out').waitFor({ state: 'visible' });
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click(`#${action}`);
  await page.locator('#signed-in').waitFor({ state: 'visible' });
}

async function noteTexts(page: Page): Promise<string[]> {
  return page.locator('#notes li span').allTextContents();
}

describe('the demo page in Chromium (cookie mode)', () => {
  it('registers, manages notes, renews silently, and "sign out everywhere" ends the other device', async () => {
    const laptop = await device();
    // The phone's timers are frozen so that what ends its session is its next request, not its refresh timer.
    const phone = await device(true);
    try {
      // Device 1: register, which signs in.
      await signIn(laptop.page, 'register');
      await expect(laptop.page.locator('#username').textContent()).resolves.toBe('ada');

      // No token is reachable from page scripts: cookies are HttpOnly, nothing is stored.
      expect(await laptop.page.evaluate('document.cookie')).toBe('');
      expect(await laptop.page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
      const cookies = await laptop.context.cookies();
      expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['nta_access', 'nta_refresh']);
      expect(cookies.every((cookie) => cookie.httpOnly && cookie.sameSite === 'Strict')).toBe(true);

      // Notes: add two, delete one.
      for (const text of ['buy milk', 'call Grace']) {
        await laptop.page.fill('#note-form input[name=text]', text);
        await laptop.page.click('#add-note');
        await laptop.page.locator('#notes li', { hasText: text }).waitFor();
      }
      await laptop.page.locator('#notes li', { hasText: 'buy milk' }).locator('button.delete').click();
      await laptop.page.locator('#notes li', { hasText: 'buy milk' }).waitFor({ state: 'detached' });
      expect(await noteTexts(laptop.page)).toEqual(['call Grace']);

      // The expiry is shown, and the page refreshes before it: a new expiry appears without any user action.
      const firstExpiry = await laptop.page.locator('#expiry').getAttribute('data-expires-at');
      expect(await laptop.page.locator('#expiry').textContent()).toMatch(/^Access token expires at .+ \(in \d+ s\)$/);
      await laptop.page.locator('body[data-refreshes="2"]').waitFor({ state: 'attached' });
      expect(await laptop.page.locator('#expiry').getAttribute('data-expires-at')).not.toBe(firstExpiry);
      expect(await laptop.page.evaluate('document.cookie')).toBe('');

      mkdirSync(ARTIFACTS, { recursive: true });
      await laptop.page.screenshot({ path: `${ARTIFACTS}spa-signed-in.png`, fullPage: true });

      // A reload keeps the session (the refresh cookie renews it).
      await laptop.page.reload();
      await laptop.page.locator('#signed-in').waitFor({ state: 'visible' });
      expect(await noteTexts(laptop.page)).toEqual(['call Grace']);

      // Device 2: log in to the same account and see the same notes.
      await signIn(phone.page, 'login');
      await phone.page.locator('#notes li', { hasText: 'call Grace' }).waitFor();

      // Device 1 signs out everywhere...
      await laptop.page.click('#logout-all');
      await laptop.page.locator('#signed-out').waitFor({ state: 'visible' });
      expect(await laptop.context.cookies()).toEqual([]);

      // ...so device 2's next request fails and the page shows the sign-in form.
      await phone.page.fill('#note-form input[name=text]', 'written after the logout');
      await phone.page.click('#add-note');
      await phone.page.locator('#signed-out').waitFor({ state: 'visible' });
      await expect(phone.page.locator('#status').textContent()).resolves.toMatch(/session has ended/);

      // Signing in again works, the note was never written, and a plain sign-out ends only this session.
      await signIn(phone.page, 'login');
      expect(await noteTexts(phone.page)).toEqual(['call Grace']);
      await phone.page.click('#logout');
      await phone.page.locator('#signed-out').waitFor({ state: 'visible' });
      await phone.page.reload();
      await phone.page.locator('#signed-out').waitFor({ state: 'visible' });
    } finally {
      await laptop.context.close();
      await phone.context.close();
    }
  }, 90_000);

  it('"Your devices" lists every session of the account as text, and "Sign out" ends that device only', async () => {
    // A user agent made to look like HTML: the page must show it as text, never as markup.
    const hostile = 'Mozilla/5.0 <img src=x onerror="document.body.dataset.pwned=1"> Evil/1.0';
    const laptop = await device(false, 'Laptop-Browser/1.0');
    const phone = await device(true, hostile);
    try {
      await signIn(laptop.page, 'register', 'grace');
      await signIn(phone.page, 'login', 'grace');
      await laptop.page.reload();
      await laptop.page.locator('#devices li').nth(1).waitFor();
      const items = laptop.page.locator('#devices li');
      expect(await items.count()).toBe(2);
      // The laptop's own session first, marked, with no sign-out button.
      await expect(items.nth(0).locator('.device').textContent()).resolves.toBe('Laptop-Browser/1.0');
      await expect(items.nth(0).textContent()).resolves.toContain('this device');
      expect(await items.nth(0).locator('button.sign-out').count()).toBe(0);
      // The phone's, its user agent as plain text.
      await expect(items.nth(1).locator('.device').textContent()).resolves.toBe(hostile);
      expect(await laptop.page.locator('#devices img').count()).toBe(0);
      expect(await laptop.page.evaluate('document.body.dataset.pwned')).toBeUndefined();
      await expect(items.nth(1).textContent()).resolves.toMatch(/127\.0\.0\.0|0:0:0::/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await laptop.page.screenshot({ path: `${ARTIFACTS}spa-devices.png`, fullPage: true });

      // Sign the phone out from the laptop: the list shows the laptop alone...
      await items.nth(1).locator('button.sign-out').click();
      await laptop.page.locator('#devices li').nth(1).waitFor({ state: 'detached' });
      expect(await laptop.page.locator('#devices li').count()).toBe(1);
      // ...the phone's next request fails and it shows the sign-in form, and the laptop carries on.
      await phone.page.fill('#note-form input[name=text]', 'written after being signed out');
      await phone.page.click('#add-note');
      await phone.page.locator('#signed-out').waitFor({ state: 'visible' });
      await laptop.page.fill('#note-form input[name=text]', 'still signed in');
      await laptop.page.click('#add-note');
      await laptop.page.locator('#notes li', { hasText: 'still signed in' }).waitFor();
      expect(await noteTexts(laptop.page)).toEqual(['still signed in']);
    } finally {
      await laptop.context.close();
      await phone.context.close();
    }
  }, 90_000);
});
