import http from 'node:http';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { captureLog, WARN, type CapturedLog } from '../support/log-lines.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#3c7a3a"/></svg>';

async function signedUrl(app: TestApp, fileData: Uint8Array, filename: string): Promise<string> {
  const client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
  const { image } = await client.uploadImage({ fileData, filename });
  return (await client.getImageUrl({ imageId: image!.imageId })).url;
}

describe('/files responses: safe headers, SVG as an attachment, 4xx for bad paths, quiet about clients that leave', () => {
  let app: TestApp;
  let log: CapturedLog;
  beforeAll(async () => {
    log = captureLog('debug');
    app = await startTestApp({ LOG_LEVEL: 'debug' }, { logger: log.logger });
  });
  afterAll(() => app?.stop());

  it('every response carries the Content-Security-Policy and nosniff, and an SVG is an attachment', async () => {
    const url = await signedUrl(app, Buffer.from(SVG), 'drawing.svg');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''drawing.svg");
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    await res.arrayBuffer();

    const png = await signedUrl(app, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer(), 'p.png');
    const pngRes = await fetch(png);
    expect(pngRes.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''p.png");
    for (const [target, status] of [
      [png, 200],
      [png.replace(/sig=./, 'sig=_'), 403],
      [png.replace(/\/files\/[^?]+/, '/files/not-an-id'), 403],
      [`${app.baseUrl}/files/%E0%A4%A?exp=1&sig=x`, 400],
    ] as const) {
      const r = await fetch(target);
      expect([target, r.status]).toEqual([target, status]);
      expect(r.headers.get('content-security-policy')).toBe(CSP);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      await r.arrayBuffer();
    }
  });

  it('answers a path that is not valid percent-encoding with 400 and logs no warning', async () => {
    const before = log.lines.length;
    for (const path of ['/files/%E0%A4%A?exp=1&sig=x', '/files/%FF?exp=1&sig=x', '/files/%?exp=1&sig=x']) {
      const res = await fetch(`${app.baseUrl}${path}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('the image id in the path is not valid percent-encoded UTF-8\n');
    }
    expect(log.lines.slice(before).filter((l) => l.level >= WARN)).toEqual([]);
  });

  it('logs no warning when a client stops reading a download halfway', async () => {
    // Noise does not compress: several MB, more than the socket buffers hold, so the server is mid-stream.
    const big = await sharp({ create: { width: 1500, height: 1500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 80 } } }).png({ compressionLevel: 0 }).toBuffer();
    const url = await signedUrl(app, big, 'big.png');
    const before = log.lines.length;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(url, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
    // The server notices the closed connection and says so at debug level only.
    for (let i = 0; !log.lines.slice(before).some((l) => l.msg === 'file download stopped by the client'); i++) {
      if (i > 500) throw new Error(`no debug line about the client leaving: ${JSON.stringify(log.lines.slice(before))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(log.lines.slice(before).filter((l) => l.level >= WARN)).toEqual([]);
  });
});

describe('/files with SVG_INLINE=1', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SVG_INLINE: '1' });
  });
  afterAll(() => app?.stop());

  it('serves SVG inline, still under the Content-Security-Policy', async () => {
    const res = await fetch(await signedUrl(app, Buffer.from(SVG), 'drawing.svg'));
    expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''drawing.svg");
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    await res.arrayBuffer();
  });
});

describe('signed URLs on Azure (Azurite): SVG through /files, rasters straight from the blob', () => {
  let azurite: Azurite;
  let app: TestApp;
  beforeAll(async () => {
    azurite = await startAzurite();
    app = await startTestApp({ AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: 'images' });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await azurite?.stop();
  });

  it('gives an SVG a /files URL under the Content-Security-Policy, as an attachment, read from the blob store', async () => {
    const url = await signedUrl(app, Buffer.from(SVG), 'drawing.svg');
    expect(new URL(url).origin).toBe(new URL(app.baseUrl).origin);
    expect(new URL(url).pathname).toMatch(/^\/files\//);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''drawing.svg");
    expect(await res.text()).toContain('fill="#3c7a3a"');
  });

  it('gives a raster a SAS URL on the blob store, which serves it with the type and name signed into it', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    const url = await signedUrl(app, png, 'p.png');
    expect(new URL(url).port).toBe(String(azurite.port));
    expect(new URL(url).searchParams.get('rsct')).toBe('image/png');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''p.png");
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
  });
});
