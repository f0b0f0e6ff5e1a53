import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { createContextKey, createContextValues, type UnaryRequest, type UnaryResponse } from '@connectrpc/connect';
import { pino } from 'pino';
import { ImageService, ListImagesRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { authenticateInterceptor } from '../../src/api/authenticate-interceptor.js';
import { principalKey } from '../../src/api/principal-context.js';
import type { Principal } from '../../src/auth/principal.js';
import { AppError } from '../../src/errors/index.js';

/** Where a TLS transport would leave the verified client certificate's subject. */
const peerSubjectKey = createContextKey<string | undefined>(undefined);

/** Runs the interceptor on one ListImages call from a peer with this certificate subject (and header). */
async function authenticate(subject: string | undefined, authorization?: string): Promise<Principal | AppError> {
  const interceptor = authenticateInterceptor({
    config: {
      mode: 'authenticated',
      methods: ['mtls'],
      reflection: 'authenticated',
      mtlsPrincipals: new Map([['CN=svc-a,O=Example', { tenant: 'acme', scopes: ['images:read'] }]]),
    },
    peerSubject: (values) => values.get(peerSubjectKey),
    logger: pino({ level: 'silent' }),
  });
  const contextValues = createContextValues().set(peerSubjectKey, subject);
  const method = ImageService.method.listImages;
  const req: UnaryRequest = {
    stream: false,
    service: ImageService,
    method,
    requestMethod: 'POST',
    url: 'http://localhost/image.v1.ImageService/ListImages',
    signal: new AbortController().signal,
    header: new Headers(authorization ? { authorization } : {}),
    contextValues,
    message: create(ListImagesRequestSchema, {}),
  };
  try {
    await interceptor(async () => ({ stream: false, service: ImageService, method, header: new Headers(), trailer: new Headers(), message: {} }) as unknown as UnaryResponse)(req);
    return contextValues.get(principalKey)!;
  } catch (e) {
    return e as AppError;
  }
}

describe('mTLS principals from the verified client certificate subject (MTLS_PRINCIPALS)', () => {
  it('maps a configured subject to its tenant and scopes', async () => {
    expect(await authenticate('CN=svc-a,O=Example')).toEqual({ tenant: 'acme', subject: 'CN=svc-a,O=Example', scopes: new Set(['images:read']), kind: 'mtls' });
  });

  it('refuses a certificate whose subject is not mapped, and a call without one', async () => {
    expect(await authenticate('CN=svc-b,O=Example')).toMatchObject({ kind: 'unauthenticated', message: 'this client certificate is not mapped to a principal' });
    expect(await authenticate(undefined)).toMatchObject({
      kind: 'unauthenticated',
      reason: 'CREDENTIALS_MISSING',
      message: 'image.v1.ImageService/ListImages needs credentials: send a client certificate',
    });
  });

  it('does not take a bearer token in mtls-only mode', async () => {
    expect(await authenticate('CN=svc-a,O=Example', 'Bearer isk_0123456789abcdef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')).toMatchObject({
      kind: 'unauthenticated',
      message: 'this server does not accept API keys',
    });
  });
});
