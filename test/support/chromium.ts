import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless; this machine has no network beyond loopback, so it is kept from reaching out. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The browser of the browser suites (`.ci/run` installs Debian's chromium). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
