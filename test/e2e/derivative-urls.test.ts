import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService, type ImageTransform } from '../../gen/image/v1/image_service_pb.js';
import { Fit, Gravity } from '../../gen/image/v1/operations_pb.js';
import { makeJpeg } from '../support/fixtures.js';
import { checkMysqlForTests, createTestMysqlDatabase } from '../support/mysql.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { lowWater } from '../../src/services/derivative-cache.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const haveMysql = await checkMysqlForTests();
const CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** Starts an app on one backend with `env` on top; the backend cleans up what it made. */
type Backend = { start(env: Record<string, string>): Promise<TestApp>; close(): Promise<void> };

function localBackend(): Backend {
  return { start: (env) => startTestApp(env), close: async () => {} };
}

/** Azurite (one emulator) and a fresh MariaDB database and container per app. */
function productionBackend(): Backend {
  let azurite: Azurite | undefined;
  const drops: (() => Promise<void>)[] = [];
  let containers = 0;
  return {
    async start(env) {
      azurite ??= await startAzurite();
      const db = await createTestMysqlDatabase();
      drops.push(() => db.drop());
      return startTestApp({ DATABASE_URL: db.url, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: `derivatives${++containers}`, ...env });
    },
    async close() {
      await Promise.all(drops.map((drop) => drop()));
      await azurite?.stop();
    },
  };
}

function clientOf(app: TestApp): Client<typeof ImageService> {
  return createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
}

async function urlFor(app: TestApp, imageId: string, transform: Partial<ImageTransform>): Promise<string> {
  const { url } = await clientOf(app).getImageUrl({ imageId, transform: transform as ImageTransform });
  return url;
}

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

async function rpcError(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(() => undefined, (e: unknown) => ConnectError.from(e));
  expect(error, 'the call should fail').toBeDefined();
  return error!;
}

function suite(name: string, makeBackend: () => Backend, options: { azure?: boolean } = {}) {
  describe(`derivatives by URL [${name}]`, () => {
    let backend: Backend;
    let app: TestApp;
    let imageId: string;
    let source: Buffer;

    beforeAll(async () => {
      backend = makeBackend();
      app = await backend.start({});
      source = await makeJpeg(640, 480);
      imageId = (await clientOf(app).uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
    });
    afterAll(async () => {
      await app?.stop();
      await backend?.close();
    });

    it('renders on the first request, then serves it from the result cache without touching the pool', async () => {
      const url = await urlFor(app, imageId, { width: 120, format: 'webp' });
      expect(url).toContain(`${app.baseUrl}/derivatives/${imageId}?`);
      const before = app.pool.stats().completed;
      const first = await get(url);
      expect(first.res.status).toBe(200);
      expect(first.res.headers.get('content-type')).toBe('image/webp');
      expect(Number(first.res.headers.get('content-length'))).toBe(first.body.byteLength);
      const meta = await sharp(first.body).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 120, 90]);
      expect(app.pool.stats().completed).toBe(before + 1);

      const second = await get(url);
      expect(second.res.status).toBe(200);
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.res.headers.get('etag')).toBe(first.res.headers.get('etag'));
      expect(app.pool.stats()).toMatchObject({ completed: before + 1, running: 0, queued: 0 });
    });

    it('negotiates AVIF, WebP or the source format from Accept, with Vary: Accept', async () => {
      const url = await urlFor(app, imageId, { width: 64, format: 'auto' });
      for (const [accept, format, type] of [
        ['image/avif,image/webp,image/apng,*/*;q=0.8', 'heif', 'image/avif'],
        ['image/webp,*/*', 'webp', 'image/webp'],
        ['image/avif;q=0,image/png', 'jpeg', 'image/jpeg'],
        ['*/*', 'jpeg', 'image/jpeg'],
      ]) {
        const { res, body } = await get(url, { accept });
        expect([accept, res.status, res.headers.get('content-type'), res.headers.get('vary')]).toEqual([accept, 200, type, 'Accept']);
        expect((await sharp(body).metadata()).format).toBe(format);
      }
      // A fixed format does not vary.
      const fixed = await get(await urlFor(app, imageId, { width: 64, format: 'png' }), { accept: 'image/avif' });
      expect(fixed.res.headers.get('content-type')).toBe('image/png');
      expect(fixed.res.headers.get('vary')).toBeNull();
    });

    it('answers as a CDN can keep it: strong ETag, Last-Modified, immutable, 304 on If-None-Match, HEAD without a body', async () => {
      const url = await urlFor(app, imageId, { width: 200, height: 200, fit: Fit.COVER, gravity: Gravity.ATTENTION, format: 'jpeg', quality: 70 });
      const { res, body } = await get(url);
      expect(res.status).toBe(200);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(0);
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await sharp(body).metadata()).toMatchObject({ width: 200, height: 200 });

      const notModified = await get(url, { 'if-none-match': etag });
      expect(notModified.res.status).toBe(304);
      expect(notModified.body.byteLength).toBe(0);
      expect(notModified.res.headers.get('etag')).toBe(etag);

      const head = await get(url, {}, 'HEAD');
      expect(head.res.status).toBe(200);
      expect(Number(head.res.headers.get('content-length'))).toBe(body.byteLength);
      expect(head.body.byteLength).toBe(0);
    });

    it('refuses a changed transform or expiry with 403, in plain text', async () => {
      const url = await urlFor(app, imageId, { width: 120, format: 'webp' });
      const changedTransform = url.replace('w%3D120', 'w%3D1200');
      const exp = new URL(url).searchParams.get('exp')!;
      const changedExpiry = url.replace(`exp=${exp}`, `exp=${Number(exp) + 3600}`);
      expect(changedTransform).not.toBe(url);
      expect(changedExpiry).not.toBe(url);
      for (const target of [changedTransform, changedExpiry, url.replace(/sig=[^&]+/, 'sig=x')]) {
        const { res, body } = await get(target);
        expect([target, res.status]).toEqual([target, 403]);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(body.toString()).toBe('invalid or expired signature, or a transform that is not allowed\n');
      }
    });

    it('refuses a bad transform naming the field, and answers 404 once the image is gone', async () => {
      const client = clientOf(app);
      const wide = await rpcError(client.getImageUrl({ imageId, transform: { width: 100_000 } as ImageTransform }));
      expect([Code[wide.code], wide.rawMessage]).toEqual(['InvalidArgument', 'transform.width: expected an integer from 0 to 16384, received 100000']);
      const preset = await rpcError(client.getImageUrl({ imageId, transform: { preset: 'poster' } as ImageTransform }));
      expect(preset.rawMessage).toBe('transform.preset: expected one of thumbnail, card, hero, received "poster"');
      const gravity = await rpcError(client.getImageUrl({ imageId, transform: { width: 10, gravity: Gravity.ATTENTION } as ImageTransform }));
      expect(gravity.rawMessage).toBe('transform.gravity: expected attention or entropy only with fit cover, received "attention with fit inside"');

      const { image } = await client.uploadImage({ fileData: await makeJpeg(50, 40), filename: 'gone.jpg' });
      const url = await urlFor(app, image!.imageId, { width: 20 });
      // Served once, so this instance remembers the image's row (recent-sources.ts): the delete made
      // here must make it forget at once.
      expect((await get(url)).res.status).toBe(200);
      await client.deleteImage({ imageId: image!.imageId });
      const { res, body } = await get(url);
      expect([res.status, body.toString()]).toEqual([404, 'image not found\n']);
    });

    /** Two more instances on this app's database and blob store, with one signing key; `env` goes to the second. */
    async function twoInstances(env: Record<string, string>): Promise<[TestApp, TestApp]> {
      const shared = {
        DATABASE_URL: app.config.databaseUrl,
        BLOB_DIR: app.config.blobDir,
        ...(app.config.azure.connectionString ? { AZURE_STORAGE_CONNECTION_STRING: app.config.azure.connectionString, AZURE_STORAGE_CONTAINER: app.config.azure.container } : {}),
        URL_SIGNING_SECRET: 'two-instances-derivative-secret-0123456789',
      };
      return [await startTestApp(shared), await startTestApp({ ...shared, ...env })];
    }

    it('with DERIVATIVE_CACHE_MAX_BYTES=0 renders every request and stores nothing', async () => {
      const off = await backend.start({ DERIVATIVE_CACHE_MAX_BYTES: '0' });
      try {
        const id = (await clientOf(off).uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
        const url = await urlFor(off, id, { width: 90, format: 'webp' });
        const rendered = off.pool.stats().completed;
        const [first, second] = [await get(url), await get(url)];
        expect([first.res.status, second.res.status]).toEqual([200, 200]);
        expect(second.body.equals(first.body)).toBe(true);
        expect(first.res.headers.get('etag')).toBe(second.res.headers.get('etag'));
        expect(off.pool.stats().completed).toBe(rendered + 2);
        expect(await off.db.derivatives.usage()).toEqual({ bytes: 0, entries: 0 });
      } finally {
        await off.stop();
      }
    });

    it('refuses with 403 a URL for an arbitrary transform signed before ONLY_PRESETS was turned on', async () => {
      const [before, after] = await twoInstances({ ONLY_PRESETS: '1' });
      try {
        const { image } = await clientOf(before).uploadImage({ fileData: await makeJpeg(60, 40), filename: 'signed-before.jpg' });
        const arbitrary = await urlFor(before, image!.imageId, { width: 30 });
        const preset = await urlFor(before, image!.imageId, { preset: 'thumbnail' });
        expect((await get(arbitrary)).res.status).toBe(200);
        const refused = await get(arbitrary.replace(before.baseUrl, after.baseUrl));
        expect([refused.res.status, refused.body.toString()]).toEqual([403, 'invalid or expired signature, or a transform that is not allowed\n']);
        expect((await get(preset.replace(before.baseUrl, after.baseUrl))).res.status).toBe(200);
      } finally {
        await Promise.all([before.stop(), after.stop()]);
      }
    });

    it('answers 404 on another instance within DERIVATIVE_SOURCE_TTL_MS of a delete made elsewhere', async () => {
      const [a, b] = await twoInstances({ DERIVATIVE_SOURCE_TTL_MS: '300' });
      try {
        const { image } = await clientOf(a).uploadImage({ fileData: await makeJpeg(50, 40), filename: 'elsewhere.jpg' });
        const onB = (await urlFor(a, image!.imageId, { width: 24 })).replace(a.baseUrl, b.baseUrl);
        expect((await get(onB)).res.status).toBe(200);
        await clientOf(a).deleteImage({ imageId: image!.imageId });
        // B remembered the row when it served it; it looks again once the row is older than its TTL.
        let status = 200;
        for (let tries = 0; status === 200 && tries < 100; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          status = (await get(onB)).res.status;
        }
        expect(status).toBe(404);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });

    it('returns a srcset, a ThumbHash placeholder and the dominant colour', async () => {
      const res = await clientOf(app).getImageUrl({ imageId, transform: { width: 400, height: 300, fit: Fit.COVER, format: 'auto' } as ImageTransform, widths: [640, 320, 160] });
      expect(res.srcsetUrls.map((s) => s.width)).toEqual([160, 320, 640]);
      expect(res.srcset).toBe(res.srcsetUrls.map((s) => `${s.url} ${s.width}w`).join(', '));
      expect(Buffer.from(res.placeholder, 'base64').byteLength).toBeGreaterThan(5);
      expect(res.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
      const { body } = await get(res.srcsetUrls[1].url, { accept: 'image/webp' });
      expect(await sharp(body).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
      // Stored on first computation: the second call reads it back.
      const again = await clientOf(app).getImageUrl({ imageId, widths: [100] });
      expect([again.placeholder, again.dominantColor]).toEqual([res.placeholder, res.dominantColor]);
    });

    it('renders once for 20 concurrent first requests', async () => {
      const url = await urlFor(app, imageId, { width: 333, format: 'webp', quality: 61 });
      const before = app.pool.stats().completed;
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(url)));
      expect(answers.map((a) => a.res.status)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((a) => a.res.headers.get('etag'))).size).toBe(1);
      expect(new Set(answers.map((a) => a.body.toString('base64'))).size).toBe(1);
      expect(app.pool.stats().completed).toBe(before + 1);
    });

    it('counts its misses, hits and bytes on the metrics endpoint (cache="derivatives")', async () => {
      const watched = await backend.start({ METRICS_PORT: '0' });
      try {
        const id = (await clientOf(watched).uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
        const url = await urlFor(watched, id, { width: 48, format: 'png' });
        const metric = async (name: string) => {
          const text = await (await fetch(watched.metricsUrl!)).text();
          const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('cache="derivatives"'));
          return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
        };
        const before = { misses: await metric('imgsvc_cache_misses_total'), hits: await metric('imgsvc_cache_hits_total') };
        const first = await get(url);
        await get(url);
        await get(url);
        expect(await metric('imgsvc_cache_misses_total')).toBe(before.misses + 1);
        expect(await metric('imgsvc_cache_hits_total')).toBe(before.hits + 2);
        expect(await metric('imgsvc_cache_bytes')).toBeGreaterThanOrEqual(first.body.byteLength);
      } finally {
        await watched.stop();
      }
    });

    it('answers 503 with Retry-After when the pool is full, and renders once it has room', async () => {
      const full = await backend.start({ MAX_CONCURRENT_OPERATIONS: '1', MAX_QUEUE: '0' });
      try {
        const id = (await clientOf(full).uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
        const url = await urlFor(full, id, { width: 100, format: 'png' });
        // The one slot is taken as the call is made (admission is synchronous up to the worker).
        const busy = full.pool.run(await makeJpeg(3000, 2000), { steps: [{ op: 'blur', sigma: 40 }], output: { format: 'avif', quality: 90 } });
        const refused = await get(url);
        expect([refused.res.status, refused.res.headers.get('retry-after'), refused.res.headers.get('content-type')]).toEqual([503, '1', 'text/plain; charset=utf-8']);
        expect(refused.body.toString()).toMatch(/^image processing is at capacity \(1 running, 0 waiting\); retry later\n$/);
        await busy;
        expect((await get(url)).res.status).toBe(200);
      } finally {
        await full.stop();
      }
    });

    it.runIf(options.azure)('on Azure, CDN_BASE_URL is the base of derivative URLs as of originals', async () => {
      const fronted = await backend.start({ CDN_BASE_URL: 'https://cdn.example.com/media/' });
      try {
        const client = clientOf(fronted);
        const id = (await client.uploadImage({ fileData: await makeJpeg(40, 30), filename: 'a.jpg' })).image!.imageId;
        expect((await client.getImageUrl({ imageId: id })).url).toMatch(/^https:\/\/cdn\.example\.com\/media\/.*\/sha256\//);
        const url = await urlFor(fronted, id, { width: 20 });
        expect(url.startsWith(`https://cdn.example.com/media/derivatives/${id}?`)).toBe(true);
        // The CDN's origin is this service: the same path and query served here render the derivative.
        const { res } = await get(`${fronted.baseUrl}${url.slice('https://cdn.example.com/media'.length)}`);
        expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
      } finally {
        await fronted.stop();
      }
    });

    it('serves a hit from memory without reading the blob store, and from the blob store when memory is off', async () => {
      for (const memoryBytes of ['67108864', '0']) {
        const server = await backend.start({ DERIVATIVE_MEMORY_CACHE_BYTES: memoryBytes });
        try {
          const id = (await clientOf(server).uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
          const url = await urlFor(server, id, { width: 96, format: 'png' });
          const first = await get(url);
          expect(first.res.status).toBe(200);
          const rendered = server.pool.stats().completed;
          // The stored bytes go; the row stays, as after another instance's eviction half-way.
          const [row] = await server.db.derivatives.leastRecentlyUsed(1);
          await server.blobs.delete(row.storagePath);
          const again = await get(url);
          expect([memoryBytes, again.res.status, again.body.equals(first.body)]).toEqual([memoryBytes, 200, true]);
          // From memory: no render. Without memory: the missing blob is a miss, rendered again.
          expect(server.pool.stats().completed).toBe(memoryBytes === '0' ? rendered + 1 : rendered);
        } finally {
          await server.stop();
        }
      }
    });

    it('with ONLY_PRESETS honours presets only, and evicts the least recently used entry beyond its byte budget', async () => {
      // Rendered the way the service renders a preset `w=<n>,f=png`, to size the budget exactly.
      const sizeOf = async (width: number) =>
        (await app.pool.run(source, { steps: [{ op: 'resize', width, fit: 'inside', withoutEnlargement: true, field: 'transform' }], output: { format: 'png', field: 'transform' } })).data.byteLength;
      const [a, b, c] = [await sizeOf(64), await sizeOf(72), await sizeOf(80)];
      // Eviction goes down to the budget's low-water mark: b and c fit under it, a + b + c does not fit the budget.
      let budget = Math.max(a + b, b + c);
      while (lowWater(budget) < b + c) budget++;
      expect(a + b + c).toBeGreaterThan(budget);
      const limited = await backend.start({ ONLY_PRESETS: '1', PRESETS: 'a:w=64,f=png;b:w=72,f=png;c:w=80,f=png', DERIVATIVE_CACHE_MAX_BYTES: String(budget) });
      try {
        const client = clientOf(limited);
        const id = (await client.uploadImage({ fileData: source, filename: 'photo.jpg' })).image!.imageId;
        const refused = await rpcError(client.getImageUrl({ imageId: id, transform: { width: 64 } as ImageTransform }));
        expect(Code[refused.code]).toBe('PermissionDenied');
        expect(refused.rawMessage).toMatch(/^transform: only a preset \(thumbnail, card, hero, a, b, c\) is allowed here \(ONLY_PRESETS\)/);
        const thumbnail = await get(await urlFor(limited, id, { preset: 'thumbnail' }));
        expect(await sharp(thumbnail.body).metadata()).toMatchObject({ width: 200, height: 200 });

        const urls = { a: await urlFor(limited, id, { preset: 'a' }), b: await urlFor(limited, id, { preset: 'b' }), c: await urlFor(limited, id, { preset: 'c' }) };
        // The thumbnail alone is within no budget this small: it went when the next entry came.
        for (const url of [urls.a, urls.b, urls.c]) expect((await get(url)).res.status).toBe(200);
        const usage = await limited.db.derivatives.usage();
        expect(usage).toEqual({ bytes: b + c, entries: 2 });
        const rendered = limited.pool.stats().completed;
        expect((await get(urls.c)).res.status).toBe(200);
        expect(limited.pool.stats().completed).toBe(rendered);
        // The least recently used one was evicted: asked again, it renders again.
        expect((await get(urls.a)).res.status).toBe(200);
        expect(limited.pool.stats().completed).toBe(rendered + 1);
      } finally {
        await limited.stop();
      }
    });
  });
}

suite('local storage + SQLite', localBackend);
if (haveMysql) suite('Azurite + MariaDB', productionBackend, { azure: true });
