import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestKey } from '../support/api-keys.js';
import { haveSharedImages, SHARED_IMAGES } from '../support/shared-images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CHROMIUM, launchChromium, servePageElsewhere } from './chromium.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // Visible, not silent; CI (.ci/run) installs Chromium, so there these tests always run.
  console.warn(`[skip] ${CHROMIUM} is absent: the console's browser tests are skipped (apt-get install chromium)`);
}
const run = haveChromium && haveSharedImages;
const PHOTO = 'FreshFlower.jpg';
// The machine may be busy: wait for what the page shows as long as a call may take, not a fixed time.
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 90_000 });

describe.skipIf(!run)('the web console in Chromium against the real server (AUTH_MODE=keys)', () => {
  let app: TestApp;
  let key: string;
  let browser: Browser;
  let listed: { origin: string; close(): Promise<void> };
  let unlisted: { origin: string; close(): Promise<void> };

  beforeAll(async () => {
    // The console as `npm run build` builds it, once for the file.
    execFileSync('npx', ['vite', 'build', 'web', '--logLevel', 'error'], { stdio: 'inherit' });
    // Pages on other local ports: the built console told to call the service at its own origin.
    let serviceUrl = '';
    listed = await servePageElsewhere(() => serviceUrl);
    unlisted = await servePageElsewhere(() => serviceUrl);
    app = await startTestApp({ AUTH_MODE: 'keys', CORS_ORIGINS: listed.origin });
    serviceUrl = app.baseUrl;
    key = (await createTestKey(app, 'console', ['images:read', 'images:write', 'images:generate'], 'console')).key;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await listed?.close();
    await unlisted?.close();
  });

  async function signIn(page: Page): Promise<void> {
    const state = page.getByTestId('auth-state');
    await poll(() => state.getAttribute('data-mode')).toBe('sign-in');
    await page.getByLabel('API key or bearer token').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => state.getAttribute('data-mode')).toBe('signed-in');
  }

  for (const transport of ['connect', 'grpc-web'] as const) {
    it(`runs the whole flow through ${transport}`, { timeout: 300_000 }, async () => {
      const dir = path.join('test-artifacts', 'console', transport);
      await mkdir(dir, { recursive: true });
      const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
      const form = (id: string) => page.getByTestId(id);
      const submit = (id: string) => form(id).locator('button[type=submit]').click();
      // Page-side functions reach the DOM through globalThis: the tests' type-check has no DOM library.
      // (Functions, not strings: the console's CSP forbids eval, which string predicates need.)
      const loaded = (selector: string) =>
        page.waitForFunction((s) => [...(globalThis as any).document.querySelectorAll(s)].some((i: any) => i.complete && i.naturalWidth > 0), selector, { timeout: 90_000 });
      try {
        await page.goto(`${app.baseUrl}/?transport=${transport}`);
        await signIn(page);
        await shot('01-signed-in');

        await page.getByTestId('upload-input').setInputFiles(path.join(SHARED_IMAGES, PHOTO));
        await page.waitForURL(/#\/image\//);
        const photoUrl = page.url();
        await loaded('[data-testid=stage] img');
        await shot('02-uploaded');

        await submit('extract-palette');
        await poll(() => page.locator('[data-testid=palette] .swatches li').count()).toBeGreaterThanOrEqual(6);
        expect(await page.locator('[data-testid=palette] code').first().textContent()).toMatch(/^#[0-9a-f]{6}$/i);
        await shot('03-palette');

        // The service's INVALID_ARGUMENT names the field; the console marks that control.
        await form('resize').getByLabel('Width').fill('999999');
        await submit('resize');
        await poll(() => form('resize').locator('[name=width][aria-invalid=true]').count()).toBe(1);
        expect(await form('resize').getByRole('alert').textContent()).toContain('width');
        await shot('04-field-error');

        await form('filter').getByLabel('Filter Type').selectOption('sepia');
        await submit('filter');
        await loaded('[data-testid=filter] .result img');
        await shot('05-filter');

        await submit('apply-palette');
        await loaded('[data-testid=before-after] .compare img + img');
        await shot('06-recoloured');

        await page.goto(`${app.baseUrl}/?transport=${transport}#/generate`);
        await form('generate').getByLabel('Prompt', { exact: true }).fill('a red kite over green hills');
        await form('generate').getByLabel('Seed').fill('7');
        await submit('generate');
        await page.waitForURL(/#\/image\//);
        await loaded('[data-testid=stage] img');
        await shot('07-generated');

        // Each variation is put on the page as its message arrives: record the count at every change.
        await page.evaluate(() => {
          const g = globalThis as any;
          const seen: number[] = (g.seen = []);
          new g.MutationObserver(() => {
            const n = g.document.querySelectorAll('[data-testid=variations] li').length;
            if (n && seen.at(-1) !== n) seen.push(n);
          }).observe(g.document.body, { childList: true, subtree: true });
        });
        await form('variations').getByLabel('Variations', { exact: true }).fill('4');
        await submit('variations');
        await poll(() => form('variations').getByRole('status').textContent()).toBe('All 4 variations arrived.');
        expect(await page.evaluate(() => (globalThis as any).seen)).toEqual([1, 2, 3, 4]);
        await loaded('[data-testid=variations] li:last-child img');
        await shot('08-variations');

        await page.goto(photoUrl);
        await loaded('[data-testid=stage] img');
        await submit('analyse');
        await page.getByTestId('analysis').waitFor();
        expect(await page.locator('[data-testid=analysis] meter').count()).toBeGreaterThanOrEqual(6);
        expect(await page.locator('[data-testid=stage] .focal').count()).toBe(1);
        expect(await page.locator('[data-testid=analysis] caption', { hasText: 'EXIF' }).count()).toBe(1);
        await page.getByTestId('analysis').scrollIntoViewIfNeeded();
        await shot('09-analysis');

        await form('export').getByLabel('Format').selectOption('webp');
        const [download] = await Promise.all([page.waitForEvent('download'), submit('export')]);
        expect(download.suggestedFilename()).toMatch(/\.webp$/);
        const file = await readFile((await download.path()));
        expect(file.subarray(0, 4).toString('latin1')).toBe('RIFF');
        expect(file.subarray(8, 12).toString('latin1')).toBe('WEBP');
        await shot('10-exported');

        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${app.baseUrl}/?transport=${transport}#/`);
        await loaded('[data-testid=gallery] img');
        await page.screenshot({ path: path.join(dir, '11-phone-gallery.png') });
      } finally {
        await context.close();
      }
    });
  }

  it('answers connect-web from a page on another origin only when CORS_ORIGINS lists it', { timeout: 120_000 }, async () => {
    const context = await browser.newContext();
    try {
      const allowed = await context.newPage();
      await allowed.goto(`${listed.origin}/`);
      await signIn(allowed);

      const refused = await context.newPage();
      await refused.goto(`${unlisted.origin}/`);
      const state = refused.getByTestId('auth-state');
      await poll(() => state.getAttribute('data-mode')).toBe('unreachable');
      await refused.getByLabel('API key or bearer token').fill(key);
      await refused.getByRole('button', { name: 'Sign in' }).click();
      await poll(() => refused.locator('.signin [role=alert]').textContent()).toMatch(/fetch/i);
      expect(await state.getAttribute('data-mode')).toBe('unreachable');
    } finally {
      await context.close();
    }
  });
});
