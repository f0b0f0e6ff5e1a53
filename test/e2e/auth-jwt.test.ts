import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { Code, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { GetImageRequestSchema, ImageService, UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failure } from '../support/connect-failure.js';
import { makePng } from '../support/fixtures.js';
import { bearerCallCredentials, grpcJsClient, unary } from '../support/grpc-js-client.js';
import { makeSigningKey, signToken, startJwksServer, type SigningKey } from '../support/jwks-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'image-service';

describe('JWT bearer tokens end to end (AUTH_MODE=keys,jwt)', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let rsa: SigningKey;
  let ec: SigningKey;
  let app: TestApp;
  const token = (key: SigningKey, claims: Record<string, unknown> = {}) =>
    signToken(key, { sub: 'alice@acme', org: 'acme', scope: 'images:read images:write', ...claims }, { issuer: ISSUER, audience: AUDIENCE });

  beforeAll(async () => {
    jwks = await startJwksServer();
    rsa = await makeSigningKey('RS256', 'rsa-1');
    ec = await makeSigningKey('ES256', 'ec-1');
    jwks.publish([rsa, ec]);
    app = await startTestApp({
      AUTH_MODE: 'keys,jwt',
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_TENANT_CLAIM: 'org',
      JWT_JWKS_COOLDOWN_SECONDS: '0',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await jwks?.close();
  });

  it('@grpc/grpc-js with call credentials: the token subject becomes the uploader', async () => {
    const client = grpcJsClient(ImageService, app.address);
    try {
      const jwt = await token(rsa);
      const credentials = bearerCallCredentials(jwt);
      const uploaded = await unary<any>(client, 'uploadImage', create(UploadImageRequestSchema, { fileData: await makePng(), filename: 'a.png', uploaderId: 'mallory' }), { credentials });
      expect(uploaded.image.details).toEqual({ case: 'uploaded', value: expect.objectContaining({ uploaderId: 'alice@acme' }) });
      const fetched = await unary<any>(client, 'getImage', create(GetImageRequestSchema, { imageId: uploaded.image.imageId }), { credentials });
      expect(fetched.image.imageId).toBe(uploaded.image.imageId);
      const refused = await unary<any>(client, 'getImage', create(GetImageRequestSchema, { imageId: uploaded.image.imageId })).catch((e: grpc.ServiceError) => e);
      expect([refused.code, refused.details]).toEqual([grpc.status.UNAUTHENTICATED, 'image.v1.ImageService/GetImage needs credentials: send "authorization: Bearer <API key>" or "authorization: Bearer <token>"']);
    } finally {
      client.close();
    }
  });

  it('Connect and gRPC-Web with an ES256 token; a missing scope names it', async () => {
    for (const transport of [createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }), createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' })]) {
      const images = createClient(ImageService, transport);
      const jwt = await token(ec, { scope: undefined, scp: ['images:read'] });
      expect((await images.listImages({ pageSize: 1 }, bearer(jwt))).images.length).toBeLessThanOrEqual(1);
      const denied = await failure(images.uploadImage({ fileData: await makePng(), filename: 'b.png' }, bearer(jwt)));
      expect([denied.code, denied.reason, denied.message]).toEqual([Code.PermissionDenied, 'MISSING_SCOPE', 'image.v1.ImageService/UploadImage needs the scope "images:write", which these credentials do not carry']);
    }
  });

  it('takes API keys and tokens side by side, and refuses a bad token as UNAUTHENTICATED', async () => {
    const images = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const { key } = await createTestKey(app, 'acme', ['images:read']);
    await images.listImages({}, bearer(key));
    const wrongAudience = await signToken(rsa, { sub: 'alice@acme', org: 'acme', scope: 'images:read' }, { issuer: ISSUER, audience: 'other' });
    const refused = await failure(images.listImages({}, bearer(wrongAudience)));
    expect([refused.code, refused.message, refused.reason]).toEqual([Code.Unauthenticated, 'invalid bearer token', 'CREDENTIALS_INVALID']);
    const rotated = await makeSigningKey('ES256', 'ec-2');
    jwks.publish([rsa, ec, rotated]);
    await images.listImages({}, bearer(await token(rotated)));
  });
});
