import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import type tls from 'node:tls';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../gen/grpc/health/v1/health_pb.js';
import { create } from '@bufbuild/protobuf';
import { ImageService, ListImagesRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { freePort } from '../support/azurite.js';
import { makePng } from '../support/fixtures.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { http2Get } from '../support/http2-get.js';
import { makeTestPki, type CertFiles, type TestPki } from '../support/test-certs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The service with TLS_CERT_FILE / TLS_KEY_FILE (and TLS_CLIENT_CA_FILE), called by every kind of client it has. */
const run = promisify(execFile);
const BUF = path.resolve('node_modules/.bin/buf');

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => rm(pki.dir, { recursive: true, force: true }));

function grpcJsTls(app: TestApp, client?: CertFiles) {
  const credentials = client ? grpc.credentials.createSsl(pki.ca, pki.read(client.key), pki.read(client.cert)) : grpc.credentials.createSsl(pki.ca);
  return grpcJsClient(ImageService, app.address, { 'grpc.ssl_target_name_override': 'localhost' }, credentials);
}

function httpsGet(url: string, options: https.RequestOptions = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: pki.ca, agent: false, ...options }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('TLS: gRPC, Connect, gRPC-Web, buf curl and /files on the one port', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key });
  });
  afterAll(() => app?.stop());

  it('uploads with @grpc/grpc-js over TLS, reads with Connect and gRPC-Web, and serves the signed URL over HTTPS/1.1 and HTTP/2', async () => {
    expect(app.baseUrl).toBe(`https://127.0.0.1:${app.server.port}`);
    const png = await makePng(20, 10);
    const client = grpcJsTls(app);
    let imageId: string;
    try {
      imageId = (await unary<any>(client, 'uploadImage', { $typeName: 'image.v1.UploadImageRequest', fileData: png, filename: 'tls.png' })).image.imageId;
    } finally {
      client.close();
    }
    const nodeOptions = { ca: pki.ca, servername: 'localhost' };
    for (const transport of [
      createGrpcTransport({ baseUrl: app.baseUrl, nodeOptions }),
      createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2', nodeOptions }),
      createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1', nodeOptions }),
      createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '2', nodeOptions }),
      createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1', nodeOptions }),
    ]) {
      const got = await createClient(ImageService, transport).getImage({ imageId, includeData: true });
      expect(Buffer.from(got.data).equals(png)).toBe(true);
    }
    const { url } = await createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1', nodeOptions })).getImageUrl({ imageId });
    expect(url.startsWith(`https://127.0.0.1:${app.server.port}/files/`)).toBe(true);
    const h1 = await httpsGet(url);
    expect([h1.status, h1.headers['content-type'], h1.body.equals(png)]).toEqual([200, 'image/png', true]);
    const session = http2.connect(app.baseUrl, { ca: pki.ca, servername: 'localhost' });
    try {
      const body = await http2Get(session, new URL(url).pathname + new URL(url).search);
      expect(body.length).toBeGreaterThan(0);
      expect(session.alpnProtocol).toBe('h2');
    } finally {
      session.close();
    }
  });

  it('answers buf curl --cacert, over gRPC and over Connect', async () => {
    const grpcHealth = await run(BUF, ['curl', '--cacert', pki.caFile, '--protocol', 'grpc', `${app.baseUrl}/grpc.health.v1.Health/Check`], { timeout: 60_000 });
    expect(JSON.parse(grpcHealth.stdout)).toEqual({ status: 'SERVING' });
    const listed = await run(BUF, ['curl', '--cacert', pki.caFile, '--protocol', 'connect', '--data', '{"page_size": 1}', `${app.baseUrl}/image.v1.ImageService/ListImages`], { timeout: 60_000 });
    expect(JSON.parse(listed.stdout).images).toHaveLength(1);
  });
});

describe('mutual TLS: TLS_CLIENT_CA_FILE', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key, TLS_CLIENT_CA_FILE: pki.caFile });
  });
  afterAll(() => app?.stop());

  it('refuses a client without a certificate and serves one with a certificate from the CA', async () => {
    const anonymous = grpcJsTls(app);
    try {
      const error = await unary(anonymous, 'listImages', create(ListImagesRequestSchema)).then(() => undefined, (e: grpc.ServiceError) => e.code);
      expect(error).toBe(grpc.status.UNAVAILABLE);
    } finally {
      anonymous.close();
    }
    const known = grpcJsTls(app, pki.client);
    try {
      expect(await unary<any>(known, 'listImages', create(ListImagesRequestSchema))).toMatchObject({ images: [] });
    } finally {
      known.close();
    }
    const health = createClient(Health, createGrpcTransport({ baseUrl: app.baseUrl, nodeOptions: { ca: pki.ca, servername: 'localhost', cert: pki.read(pki.client.cert), key: pki.read(pki.client.key) } }));
    expect((await health.check({})).status).toBe(Status.SERVING);
    const curl = await run(BUF, ['curl', '--cacert', pki.caFile, '--cert', pki.client.cert, '--key', pki.client.key, '--protocol', 'grpc', `${app.baseUrl}/grpc.health.v1.Health/Check`], { timeout: 60_000 });
    expect(JSON.parse(curl.stdout)).toEqual({ status: 'SERVING' });
    await expect(run(BUF, ['curl', '--cacert', pki.caFile, '--protocol', 'grpc', `${app.baseUrl}/grpc.health.v1.Health/Check`], { timeout: 60_000 })).rejects.toThrow();
  });
});

describe('npm start with TLS: SIGHUP reloads the certificate', () => {
  it('serves the replaced certificate to new connections after SIGHUP, while an open connection goes on', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-sighup-'));
    const certFile = path.join(dataDir, 'tls.pem');
    const keyFile = path.join(dataDir, 'tls.key');
    await copyFile(pki.server.cert, certFile);
    await copyFile(pki.server.key, keyFile);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      // Polling far apart: only the signal can make the change seen within this test.
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, TLS_RELOAD_POLL_MS: '3600000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const httpsServed = (): Promise<string> =>
      new Promise((resolve, reject) => {
        https
          .get(`https://127.0.0.1:${port}/healthz`, { ca: pki.ca, agent: false }, (res) => {
            const cert = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
            res.resume().on('end', () => resolve(cert));
          })
          .on('error', reject);
      });
    try {
      let first: string | undefined;
      for (let i = 0; !first; i++) {
        first = await httpsServed().catch(() => undefined);
        if (!first && i > 300) throw new Error(`server did not start: ${output}`);
        if (!first) await new Promise((r) => setTimeout(r, 100));
      }
      expect(first).toBe(new X509Certificate(pki.read(pki.server.cert)).fingerprint256);
      const open = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.ca, servername: 'localhost' });
      expect(await http2Get(open, '/healthz')).toBe('ok\n');

      await copyFile(pki.server2.key, `${keyFile}.new`);
      await copyFile(pki.server2.cert, `${certFile}.new`);
      await rename(`${keyFile}.new`, keyFile);
      await rename(`${certFile}.new`, certFile);
      child.kill('SIGHUP');
      const renewed = new X509Certificate(pki.read(pki.server2.cert)).fingerprint256;
      for (let i = 0; (await httpsServed()) !== renewed; i++) {
        if (i > 200) throw new Error(`the renewed certificate was never served: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(output).toContain('TLS certificate reloaded');
      expect(await http2Get(open, '/healthz')).toBe('ok\n');
      open.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
