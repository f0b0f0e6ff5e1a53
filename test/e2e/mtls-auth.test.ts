import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { Code, createClient } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteImageRequestSchema, ImageService, ListImagesRequestSchema, UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failure } from '../support/connect-failure.js';
import { makePng } from '../support/fixtures.js';
import { everyTransport } from '../support/every-transport.js';
import { grpcJsClient, grpcJsFailure, unary } from '../support/grpc-js-client.js';
import { makeTestPki, type CertFiles, type TestPki } from '../support/test-certs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Client certificates as principals on a real server (TLS_CLIENT_CA_FILE with AUTH_MODE=keys,mtls and
 * MTLS_PRINCIPALS), called with certificates made at test time by @grpc/grpc-js, Connect, gRPC-Web and buf curl.
 */
const run = promisify(execFile);
const BUF = path.resolve('node_modules/.bin/buf');
/** pki.client is `/O=acme/CN=billing`: RFC 4514 puts the most specific attribute first. */
const BILLING = 'CN=billing,O=acme';
const NOT_MAPPED = 'this client certificate is not mapped to a principal';

let pki: TestPki;
/** From the same CA as pki.client, with a subject MTLS_PRINCIPALS does not name. */
let unmapped: CertFiles;
beforeAll(() => {
  pki = makeTestPki();
  unmapped = pki.issueClient('ops', '/O=acme/CN=ops');
});
afterAll(() => rm(pki.dir, { recursive: true, force: true }));

function serverEnv(clientAuth: 'require' | 'optional'): Record<string, string> {
  return {
    TLS_CERT_FILE: pki.server.cert,
    TLS_KEY_FILE: pki.server.key,
    TLS_CLIENT_CA_FILE: pki.caFile,
    TLS_CLIENT_AUTH: clientAuth,
    AUTH_MODE: 'keys,mtls',
    MTLS_PRINCIPALS: JSON.stringify({ [BILLING]: { tenant: 'acme', scopes: ['images:read', 'images:write'] } }),
  };
}

function grpcJsTls(app: TestApp, client?: CertFiles) {
  const credentials = client ? grpc.credentials.createSsl(pki.ca, pki.read(client.key), pki.read(client.cert)) : grpc.credentials.createSsl(pki.ca);
  return grpcJsClient(ImageService, app.address, { 'grpc.ssl_target_name_override': 'localhost' }, credentials);
}

/** Every connect-node transport over TLS, presenting `client` (or no certificate). */
function transports(app: TestApp, client?: CertFiles) {
  return everyTransport(app.baseUrl, { ca: pki.ca, servername: 'localhost', ...(client ? { cert: pki.read(client.cert), key: pki.read(client.key) } : {}) });
}

describe('mTLS principals with TLS_CLIENT_AUTH=require', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(serverEnv('require'));
  });
  afterAll(() => app?.stop());

  it("uploads as the certificate's principal; the image is its tenant's on every path, and another tenant's key does not see it", async () => {
    const png = await makePng(14, 6);
    const billing = grpcJsTls(app, pki.client);
    let imageId: string;
    try {
      const uploaded = await unary<any>(billing, 'uploadImage', create(UploadImageRequestSchema, { fileData: png, filename: 'mtls.png', uploaderId: 'mallory' }));
      expect(uploaded.image.details).toEqual({ case: 'uploaded', value: expect.objectContaining({ uploaderId: BILLING }) });
      imageId = uploaded.image.imageId;
    } finally {
      billing.close();
    }
    for (const [name, transport] of Object.entries(transports(app, pki.client))) {
      const got = await createClient(ImageService, transport).getImage({ imageId, includeData: true });
      expect([name, Buffer.from(got.data).equals(png)]).toEqual([name, true]);
    }
    // Under `require` every connection shows a certificate from the CA; a bearer key on it is the caller.
    const globex = await createTestKey(app, 'globex', ['images:read']);
    const acme = await createTestKey(app, 'acme', ['images:read']);
    for (const [name, transport] of Object.entries(transports(app, unmapped))) {
      const images = createClient(ImageService, transport);
      const hidden = await failure(images.getImage({ imageId }, bearer(globex.key)));
      expect([name, hidden.code]).toEqual([name, Code.NotFound]);
      expect([name, (await images.listImages({}, bearer(globex.key))).images]).toEqual([name, []]);
      expect([name, (await images.getImage({ imageId }, bearer(acme.key))).image?.imageId]).toEqual([name, imageId]);
    }
  });

  it('refuses a certificate from the CA whose subject is not mapped, as UNAUTHENTICATED, on every path', async () => {
    const ops = grpcJsTls(app, unmapped);
    try {
      expect(await grpcJsFailure(unary(ops, 'listImages', create(ListImagesRequestSchema)))).toEqual([grpc.status.UNAUTHENTICATED, NOT_MAPPED]);
    } finally {
      ops.close();
    }
    for (const [name, transport] of Object.entries(transports(app, unmapped))) {
      const refused = await failure(createClient(ImageService, transport).listImages({}));
      expect([name, refused.code, refused.message]).toEqual([name, Code.Unauthenticated, NOT_MAPPED]);
    }
  });

  it('answers PERMISSION_DENIED naming a scope the mapping lacks', async () => {
    const billing = grpcJsTls(app, pki.client);
    const denied = 'image.v1.ImageService/DeleteImage needs the scope "images:delete", which these credentials do not carry';
    try {
      const request = create(DeleteImageRequestSchema, { imageId: '0190b3a0-0000-7000-8000-000000000000' });
      expect(await grpcJsFailure(unary(billing, 'deleteImage', request))).toEqual([grpc.status.PERMISSION_DENIED, denied]);
    } finally {
      billing.close();
    }
    const refused = await failure(createClient(ImageService, transports(app, pki.client)['Connect h1']).deleteImage({ imageId: '0190b3a0-0000-7000-8000-000000000000' }));
    expect([refused.code, refused.message, refused.reason]).toEqual([Code.PermissionDenied, denied, 'MISSING_SCOPE']);
  });

  it('buf curl --cert: the mapped certificate calls (reflection included), the unmapped one is UNAUTHENTICATED', async () => {
    const { image } = await createClient(ImageService, transports(app, pki.client)['Connect h1']).uploadImage({ fileData: await makePng(3, 3), filename: 'curl.png' });
    const curl = (client: CertFiles, protocol: string, ...args: string[]) =>
      run(BUF, ['curl', '--cacert', pki.caFile, '--cert', client.cert, '--key', client.key, '--protocol', protocol, ...args, '--data', JSON.stringify({ image_id: image!.imageId }), `${app.baseUrl}/image.v1.ImageService/GetImage`], { timeout: 60_000 });
    for (const protocol of ['grpc', 'connect']) {
      const { stdout } = await curl(pki.client, protocol);
      expect([protocol, JSON.parse(stdout).image.imageId]).toEqual([protocol, image!.imageId]);
      // The schema from the repository, so that the call itself (not reflection, which refuses it too) answers.
      const refused = await curl(unmapped, protocol, '--schema', '.').then(
        () => undefined,
        (e: { stderr: string }) => e.stderr,
      );
      expect([protocol, JSON.parse(refused ?? 'null')]).toMatchObject([protocol, { code: 'unauthenticated', message: NOT_MAPPED }]);
    }
  });
});

describe('mTLS principals with TLS_CLIENT_AUTH=optional', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(serverEnv('optional'));
  });
  afterAll(() => app?.stop());

  it('serves a mapped certificate and a bearer key without one; a caller with neither is told what to send', async () => {
    const key = await createTestKey(app, 'acme', ['images:read']);
    for (const [name, transport] of Object.entries(transports(app, pki.client))) {
      expect([name, (await createClient(ImageService, transport).listImages({})).images]).toEqual([name, []]);
    }
    for (const [name, transport] of Object.entries(transports(app))) {
      const images = createClient(ImageService, transport);
      expect([name, (await images.listImages({}, bearer(key.key))).images]).toEqual([name, []]);
      const missing = await failure(images.listImages({}));
      expect([name, missing.code, missing.message]).toEqual([name, Code.Unauthenticated, 'image.v1.ImageService/ListImages needs credentials: send "authorization: Bearer <API key>" or a client certificate']);
    }
  });
});
