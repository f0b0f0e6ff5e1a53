import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { SCOPES, type Scope } from '../../src/auth/principal.js';
import { IMAGE_SERVICE_SCOPES, PROCESSING_SERVICE_SCOPES } from '../../src/api/rpc-scopes.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SERVICES: [DescService, Record<string, Scope>][] = [
  [ImageService, IMAGE_SERVICE_SCOPES],
  [ProcessingService, PROCESSING_SERVICE_SCOPES],
];

/** Calls any method of a service with an empty request; resolves to the error it ended with, if any. */
async function callEmpty(transport: Transport, service: DescService, method: DescMethod, options: { headers?: Record<string, string> }): Promise<ConnectError | undefined> {
  const client = createClient(service, transport) as unknown as Record<string, (...args: unknown[]) => any>;
  const call = client[method.localName];
  const request = create(method.input);
  try {
    switch (method.methodKind) {
      case 'unary':
        await call(request, options);
        break;
      case 'server_streaming':
        for await (const _ of call(request, options)) void _;
        break;
      case 'client_streaming':
        await call((async function* () { yield request; })(), options);
        break;
      case 'bidi_streaming':
        for await (const _ of call((async function* () { yield request; })(), options)) void _;
        break;
      default:
        throw new Error("a method kind this test does not know");
    }
    return undefined;
  } catch (e) {
    return ConnectError.from(e);
  }
}

describe('every RPC of both services with AUTH_MODE=keys', () => {
  let app: TestApp;
  /** Per scope: a key with only that scope, and one with every other scope but admin. */
  const only = new Map<Scope, string>();
  const allBut = new Map<Scope, string>();

  beforeAll(async () => {
    app = await startTestApp({ AUTH_MODE: 'keys' });
    for (const scope of SCOPES.filter((s) => s !== 'admin')) {
      only.set(scope, (await createTestKey(app, 'acme', [scope], `only ${scope}`)).key);
      allBut.set(scope, (await createTestKey(app, 'acme', SCOPES.filter((s) => s !== scope && s !== 'admin'), `all but ${scope}`)).key);
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  const transports: [string, () => Transport][] = [
    ['gRPC', () => createGrpcTransport({ baseUrl: app.baseUrl })],
    ['Connect', () => createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' })],
  ];

  for (const [protocol, transport] of transports) {
    for (const [service, table] of SERVICES) {
      it(`${protocol}: ${service.name}: no credentials → UNAUTHENTICATED, a key without the scope → PERMISSION_DENIED naming it, the scope → past both`, async () => {
        const t = transport();
        for (const method of service.methods) {
          // Connect answers a bidirectional stream over HTTP/1.1 with 505 before any interceptor runs;
          // the gRPC rows (HTTP/2) check its scope.
          if (method.methodKind === 'bidi_streaming' && protocol === 'Connect') continue;
          const scope = table[method.localName];
          const rpc = `${service.typeName}/${method.name}`;

          const anonymous = await callEmpty(t, service, method, {});
          expect([rpc, anonymous?.code]).toEqual([rpc, Code.Unauthenticated]);
          expect(anonymous?.rawMessage).toBe(`${rpc} needs credentials: send "authorization: Bearer <API key>"`);
          expect(anonymous?.findDetails(ErrorInfoSchema)[0]?.reason).toBe('CREDENTIALS_MISSING');

          const lacking = await callEmpty(t, service, method, bearer(allBut.get(scope)!));
          expect([rpc, lacking?.code]).toEqual([rpc, Code.PermissionDenied]);
          expect(lacking?.rawMessage).toBe(`${rpc} needs the scope "${scope}", which these credentials do not carry`);
          expect(lacking?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: 'MISSING_SCOPE', metadata: { scope } });

          const allowed = await callEmpty(t, service, method, bearer(only.get(scope)!));
          expect([rpc, allowed?.code]).not.toContainEqual(Code.Unauthenticated);
          expect([rpc, allowed?.code]).not.toContainEqual(Code.PermissionDenied);
        }
      });
    }
  }

  it('refuses a malformed, unknown or forged key without saying which', async () => {
    const t = createGrpcTransport({ baseUrl: app.baseUrl });
    const images = createClient(ImageService, t);
    const key = only.get('images:read')!;
    const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    for (const [authorization, message] of [
      [`Bearer ${forged}`, 'invalid or revoked API key'],
      [`Bearer isk_0000000000000000_${key.slice(22)}`, 'invalid or revoked API key'],
      ['Bearer not-a-key', 'invalid API key'],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'authorization: expected "Bearer <credential>"'],
    ]) {
      const e = await images.listImages({}, { headers: { authorization } }).then(() => undefined, (err: unknown) => ConnectError.from(err));
      expect([authorization, e?.code, e?.rawMessage]).toEqual([authorization, Code.Unauthenticated, message]);
      expect(e?.findDetails(ErrorInfoSchema)[0]?.reason).toBe('CREDENTIALS_INVALID');
    }
    expect((await images.listImages({ pageSize: 1 }, bearer(key))).images).toEqual([]);
  });

  it('keeps health open', async () => {
    const { Health } = await import('../../gen/grpc/health/v1/health_pb.js');
    const health = createClient(Health, createGrpcTransport({ baseUrl: app.baseUrl }));
    expect((await health.check({})).status).toBe(1);
  });
});
