import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import sirv from 'sirv';

/** Debian's Chromium (`apt-get install chromium`), driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet: no background updates or sync reaching out while a test runs. Playwright gives each launch a fresh profile directory. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The built console (web/dist) served from another local port, with a page that names the service's
 * origin: a browser app hosted elsewhere calling the service across origins.
 */
export async function servePageElsewhere(serviceUrl: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const assets = sirv('web/dist');
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      readFile('web/dist/index.html', 'utf8').then(
        (html) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(html.replace('<head>', `<head><meta name="service-base-url" content="${serviceUrl()}">`));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    assets(req, res, () => {
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
