import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { Code, createClient } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetImageRequestSchema, ImageService, ListImagesRequestSchema, UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failure } from '../support/connect-failure.js';
import { makePng } from '../support/fixtures.js';
import { everyTransport } from '../support/every-transport.js';
import { bearerCallCredentials, grpcJsClient, grpcJsFailure, unary } from '../support/grpc-js-client.js';
import { makeSigningKey, signToken, startJwksServer } from '../support/jwks-server.js';
import { makeTestPki, type TestPki } from '../support/test-certs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Authentication and TLS on together (AUTH_MODE=keys,jwt with TLS_CERT_FILE): bearer API keys and
 * JWTs sent by @grpc/grpc-js call credentials, Connect, gRPC-Web and buf curl over TLS.
 */
const run = promisify(execFile);
const BUF = path.resolve('node_modules/.bin/buf');
const ISSUER = 'https://idp.test/';
const AUDIENCE = 'image-service';
const MISSING = 'image.v1.ImageService/ListImages needs credentials: send "authorization: Bearer <API key>" or "authorization: Bearer <token>"';
const NO_WRITE = 'image.v1.ImageService/UploadImage needs the scope "images:write", which these credentials do not carry';

let pki: TestPki;
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let app: TestApp;
let writer: { id: string; key: string };
let reader: { id: string; key: string };

beforeAll(async () => {
  pki = makeTestPki();
  jwks = await startJwksServer();
  app = await startTestApp({
    TLS_CERT_FILE: pki.server.cert,
    TLS_KEY_FILE: pki.server.key,
    AUTH_MODE: 'keys,jwt',
    JWT_JWKS_URL: jwks.url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  });
  writer = await createTestKey(app, 'acme', ['images:read', 'images:write'], 'writer');
  reader = await createTestKey(app, 'acme', ['images:read'], 'reader');
});
afterAll(async () => {
  await app?.stop();
  await jwks?.close();
  await rm(pki.dir, { recursive: true, force: true });
});

/** A grpc-js client on a TLS channel trusting the test CA, with these channel credentials on top. */
function grpcJsTls(callCredentials?: grpc.CallCredentials) {
  const ssl = grpc.credentials.createSsl(pki.ca);
  return grpcJsClient(ImageService, app.address, { 'grpc.ssl_target_name_override': 'localhost' }, callCredentials ? grpc.credentials.combineChannelCredentials(ssl, callCredentials) : ssl);
}

describe('@grpc/grpc-js: call credentials over TLS', () => {
  it('a channel with an API key as call credentials is served; the same TLS channel without them is UNAUTHENTICATED; a key without the scope is PERMISSION_DENIED naming it', async () => {
    const authorised = grpcJsTls(bearerCallCredentials(writer.key));
    const anonymous = grpcJsTls();
    const readOnly = grpcJsTls(bearerCallCredentials(reader.key));
    try {
      const upload = create(UploadImageRequestSchema, { fileData: await makePng(12, 8), filename: 'tls.png', uploaderId: 'mallory' });
      const uploaded = await unary<any>(authorised, 'uploadImage', upload);
      expect(uploaded.image.details).toEqual({ case: 'uploaded', value: expect.objectContaining({ uploaderId: `key:${writer.id}` }) });
      expect(await grpcJsFailure(unary(anonymous, 'listImages', create(ListImagesRequestSchema)))).toEqual([grpc.status.UNAUTHENTICATED, MISSING]);
      expect(await grpcJsFailure(unary(readOnly, 'uploadImage', upload))).toEqual([grpc.status.PERMISSION_DENIED, NO_WRITE]);
      const read = await unary<any>(readOnly, 'getImage', create(GetImageRequestSchema, { imageId: uploaded.image.imageId }));
      expect(read.image.imageId).toBe(uploaded.image.imageId);
    } finally {
      for (const client of [authorised, anonymous, readOnly]) client.close();
    }
  });

  it('a JWT from the identity provider as per-call credentials on a TLS channel', async () => {
    const signing = await makeSigningKey('ES256', 'tls-1');
    jwks.publish([signing]);
    const jwt = await signToken(signing, { sub: 'alice@acme', tenant: 'acme', scope: 'images:read images:write' }, { issuer: ISSUER, audience: AUDIENCE });
    const client = grpcJsTls();
    try {
      const upload = create(UploadImageRequestSchema, { fileData: await makePng(10, 10), filename: 'jwt.png' });
      const uploaded = await unary<any>(client, 'uploadImage', upload, { credentials: bearerCallCredentials(jwt) });
      expect(uploaded.image.details).toEqual({ case: 'uploaded', value: expect.objectContaining({ uploaderId: 'alice@acme' }) });
      expect(await grpcJsFailure(unary(client, 'uploadImage', upload))).toEqual([grpc.status.UNAUTHENTICATED, MISSING.replace('ListImages', 'UploadImage')]);
    } finally {
      client.close();
    }
  });
});

describe('Connect and gRPC-Web over TLS with an Authorization header', () => {
  it('serves a bearer key over HTTP/2 and HTTP/1.1, refuses a call without one, and names the missing scope', async () => {
    const png = await makePng(16, 4);
    for (const [name, transport] of Object.entries(everyTransport(app.baseUrl, { ca: pki.ca, servername: 'localhost' }))) {
      const images = createClient(ImageService, transport);
      const { image } = await images.uploadImage({ fileData: png, filename: `${name}.png` }, bearer(writer.key));
      const got = await images.getImage({ imageId: image!.imageId, includeData: true }, bearer(reader.key));
      expect([name, Buffer.from(got.data).equals(png)]).toEqual([name, true]);
      const missing = await failure(images.listImages({}));
      expect([name, missing.code, missing.message, missing.reason]).toEqual([name, Code.Unauthenticated, MISSING, 'CREDENTIALS_MISSING']);
      const denied = await failure(images.uploadImage({ fileData: png, filename: 'denied.png' }, bearer(reader.key)));
      expect([name, denied.code, denied.message, denied.reason]).toEqual([name, Code.PermissionDenied, NO_WRITE, 'MISSING_SCOPE']);
    }
  });
});

describe('buf curl --cacert with a bearer header', () => {
  const curl = (...args: string[]) => run(BUF, ['curl', '--cacert', pki.caFile, ...args], { timeout: 60_000 });

  it('answers over gRPC and Connect with the key (reflection carrying it too)', async () => {
    const images = createClient(ImageService, everyTransport(app.baseUrl, { ca: pki.ca, servername: 'localhost' })['Connect h1']);
    const { image } = await images.uploadImage({ fileData: await makePng(5, 5), filename: 'curl.png' }, bearer(writer.key));
    for (const protocol of ['grpc', 'connect']) {
      const { stdout } = await curl('--protocol', protocol, '-H', `Authorization: Bearer ${reader.key}`, '--reflect-header', '*', '--data', JSON.stringify({ image_id: image!.imageId }), `${app.baseUrl}/image.v1.ImageService/GetImage`);
      expect([protocol, JSON.parse(stdout).image.imageId]).toEqual([protocol, image!.imageId]);
    }
  });

  it('is UNAUTHENTICATED without the key, over gRPC and Connect (schema from the repository, so reflection is not what refuses)', async () => {
    for (const protocol of ['grpc', 'connect']) {
      const refused = await curl('--protocol', protocol, '--schema', '.', '--data', '{}', `${app.baseUrl}/image.v1.ImageService/ListImages`).then(
        () => undefined,
        (e: { stderr: string }) => e.stderr,
      );
      expect([protocol, JSON.parse(refused ?? 'null')]).toMatchObject([protocol, { code: 'unauthenticated', message: MISSING }]);
    }
  });
});
