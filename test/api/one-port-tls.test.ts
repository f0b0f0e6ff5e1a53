import { X509Certificate } from 'node:crypto';
import { copyFile, rename, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type tls from 'node:tls';
import { create } from '@bufbuild/protobuf';
import { createClient, createConnectRouter, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GetImageUrlRequestSchema, ImageService } from '../../gen/image/v1/image_service_pb.js';
import { grpcStreamHandler } from '../../src/api/grpc-stream-adapter.js';
import { listenOnePort, type OnePortServer } from '../../src/api/one-port-server.js';
import { peerContextValues, peerIdentity } from '../../src/api/peer-identity.js';
import type { TlsFiles } from '../../src/api/tls-terminator.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { http2Get } from '../support/http2-get.js';
import { makeTestPki, type CertFiles, type TestPki } from '../support/test-certs.js';

/**
 * TLS on the one port with certificates made at test time: ALPN h2 and http/1.1 for every protocol,
 * mutual TLS with the verified client certificate reaching handlers through peerIdentity, and
 * certificates reloaded for new connections while open ones keep going.
 */

/** GetImageUrl answers with the caller's certificate (or "anonymous"): a handler that reads peerIdentity. */
const routes = (router: ConnectRouter) =>
  router.service(ImageService, {
    getImageUrl(_req, ctx) {
      const peer = peerIdentity(ctx.values);
      return { url: peer ? `${peer.subject} ${peer.subjectAltNames.join(' ')}` : 'anonymous' };
    },
  });

async function startTls(tlsFiles: TlsFiles): Promise<OnePortServer> {
  const router = createConnectRouter();
  routes(router);
  const adapter = connectNodeAdapter({
    routes,
    contextValues: peerContextValues,
    // Plain HTTP (as /files is) sees the same identity from the request.
    fallback: (req, res) => {
      const peer = peerIdentity(req);
      res.end(JSON.stringify({ protocol: req.httpVersion, subject: peer?.subject ?? null, fingerprint: peer?.fingerprint256 ?? null }));
    },
  });
  return listenOnePort(adapter, {
    host: '127.0.0.1',
    port: 0,
    tls: tlsFiles,
    streamHandler: grpcStreamHandler(router.handlers, () => undefined, { contextValues: peerContextValues }),
  });
}

function grpcJsTls(pki: TestPki, port: number, client?: CertFiles) {
  const credentials = client ? grpc.credentials.createSsl(pki.ca, pki.read(client.key), pki.read(client.cert)) : grpc.credentials.createSsl(pki.ca);
  // The certificate names localhost; grpc-js would otherwise send the IP address as the TLS server name.
  return grpcJsClient(ImageService, `127.0.0.1:${port}`, { 'grpc.ssl_target_name_override': 'localhost' }, credentials);
}

async function whoamiGrpc(pki: TestPki, port: number, client?: CertFiles): Promise<string> {
  const c = grpcJsTls(pki, port, client);
  try {
    return (await unary<{ url: string }>(c, 'getImageUrl', create(GetImageUrlRequestSchema, { imageId: 'x' }))).url;
  } finally {
    c.close();
  }
}

/** GET /whoami over HTTPS/1.1 on a fresh connection: status, body and the certificate the server presented. */
function httpsGet(port: number, options: https.RequestOptions): Promise<{ body: string; served: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/whoami', agent: false, ...options }, (res) => {
      let body = '';
      const served = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ body, served }));
    });
    req.on('error', reject);
  });
}

const h2Get = (session: http2.ClientHttp2Session) => http2Get(session, '/whoami');

const fingerprint = (file: string, pki: TestPki) => new X509Certificate(pki.read(file)).fingerprint256;

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => rm(pki.dir, { recursive: true, force: true }));

describe('TLS on the one port', () => {
  let server: OnePortServer;
  beforeAll(async () => {
    server = await startTls({ certFile: pki.server.cert, keyFile: pki.server.key });
  });
  afterAll(() => server?.close(1000));

  it('serves gRPC (@grpc/grpc-js and connect), Connect and gRPC-Web over HTTP/2 and HTTP/1.1', async () => {
    expect(server.secure).toBe(true);
    expect(await whoamiGrpc(pki, server.port)).toBe('anonymous');
    const baseUrl = `https://127.0.0.1:${server.port}`;
    const nodeOptions = { ca: pki.ca, servername: 'localhost' };
    for (const transport of [
      createGrpcTransport({ baseUrl, nodeOptions }),
      createConnectTransport({ baseUrl, httpVersion: '2', nodeOptions }),
      createConnectTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
      createGrpcWebTransport({ baseUrl, httpVersion: '2', nodeOptions }),
      createGrpcWebTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
    ]) {
      expect((await createClient(ImageService, transport).getImageUrl({ imageId: 'x' })).url).toBe('anonymous');
    }
  });

  it('serves plain HTTP (as /files is) to HTTP/1.1 and to HTTP/2, chosen by ALPN as browsers do', async () => {
    const h1 = await httpsGet(server.port, { ca: pki.ca });
    expect(JSON.parse(h1.body)).toEqual({ protocol: '1.1', subject: null, fingerprint: null });
    const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: pki.ca, servername: 'localhost' });
    try {
      expect(JSON.parse(await h2Get(session))).toEqual({ protocol: '2.0', subject: null, fingerprint: null });
      expect(session.alpnProtocol).toBe('h2');
    } finally {
      session.close();
    }
  });

  it('answers nothing to a plaintext client', async () => {
    await expect(fetch(`http://127.0.0.1:${server.port}/whoami`)).rejects.toThrow();
  });
});

describe('headers deadline with TLS', () => {
  it('closes a connection that never starts its handshake, and one that finishes it and then sends nothing; not one whose answer is slow', async () => {
    const router = createConnectRouter();
    // Answers after three headers deadlines: a request that arrived in time must not be cut.
    const slow = connectNodeAdapter({ routes, fallback: (_req, res) => void setTimeout(() => res.end('late'), 900) });
    const server = await listenOnePort(slow, {
      host: '127.0.0.1',
      port: 0,
      headersTimeoutMs: 300,
      tls: { certFile: pki.server.cert, keyFile: pki.server.key },
      streamHandler: grpcStreamHandler(router.handlers, () => undefined),
    });
    try {
      const silent = net.connect(server.port, '127.0.0.1');
      silent.on('error', () => undefined);
      // Read (and drop) what the server sends, so its close is seen.
      const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.resume().once('close', () => resolve()));
      const handshaken = await Promise.all(
        [['h2'], ['http/1.1']].map(
          (ALPNProtocols) =>
            new Promise<tls.TLSSocket>((resolve, reject) => {
              const socket = tlsConnect({ port: server.port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca, ALPNProtocols }, () => resolve(socket));
              socket.once('error', reject);
            }),
        ),
      );
      expect(handshaken.map((s) => s.alpnProtocol)).toEqual(['h2', 'http/1.1']);
      for (const s of handshaken) s.on('error', () => undefined);
      await Promise.all([closed(silent), ...handshaken.map(closed)]);

      expect((await httpsGet(server.port, { ca: pki.ca })).body).toBe('late');
      const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: pki.ca, servername: 'localhost' });
      expect(await h2Get(session)).toBe('late');
      session.close();
    } finally {
      await server.close(100);
    }
  });
});

describe('mutual TLS (TLS_CLIENT_CA_FILE)', () => {
  const servers: OnePortServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close(1000))));

  it('require: refuses a client without a certificate or with an untrusted one; a verified one is the caller, on every path', async () => {
    const server = await startTls({ certFile: pki.server.cert, keyFile: pki.server.key, clientCaFile: pki.caFile, clientAuth: 'require' });
    servers.push(server);
    const withoutCert = await whoamiGrpc(pki, server.port).then(() => undefined, (e: grpc.ServiceError) => e.code);
    expect(withoutCert).toBe(grpc.status.UNAVAILABLE);
    const stranger = await whoamiGrpc(pki, server.port, pki.stranger).then(() => undefined, (e: grpc.ServiceError) => e.code);
    expect(stranger).toBe(grpc.status.UNAVAILABLE);
    await expect(httpsGet(server.port, { ca: pki.ca })).rejects.toThrow();

    const expected = 'CN=billing,O=acme URI:spiffe://acme/billing';
    expect(await whoamiGrpc(pki, server.port, pki.client)).toBe(expected);
    const baseUrl = `https://127.0.0.1:${server.port}`;
    const nodeOptions = { ca: pki.ca, servername: 'localhost', cert: pki.read(pki.client.cert), key: pki.read(pki.client.key) };
    for (const transport of [
      createGrpcTransport({ baseUrl, nodeOptions }),
      createConnectTransport({ baseUrl, httpVersion: '2', nodeOptions }),
      createConnectTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
      createGrpcWebTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
    ]) {
      expect((await createClient(ImageService, transport).getImageUrl({ imageId: 'x' })).url).toBe(expected);
    }
    const plain = JSON.parse((await httpsGet(server.port, nodeOptions)).body);
    expect(plain).toEqual({ protocol: '1.1', subject: 'CN=billing,O=acme', fingerprint: fingerprint(pki.client.cert, pki) });
  });

  it('optional: a client without a certificate is anonymous, a verified one is known, an untrusted one is refused', async () => {
    const server = await startTls({ certFile: pki.server.cert, keyFile: pki.server.key, clientCaFile: pki.caFile, clientAuth: 'optional' });
    servers.push(server);
    expect(await whoamiGrpc(pki, server.port)).toBe('anonymous');
    expect(await whoamiGrpc(pki, server.port, pki.client)).toBe('CN=billing,O=acme URI:spiffe://acme/billing');
    const stranger = await whoamiGrpc(pki, server.port, pki.stranger).then(() => undefined, (e: grpc.ServiceError) => e.code);
    expect(stranger).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('certificate reload', () => {
  let server: OnePortServer | undefined;
  afterEach(() => server?.close(1000));

  it('serves a replaced certificate to new connections while an open one keeps working', async () => {
    // Files of their own, replaced by rename as a certificate manager does.
    const certFile = `${pki.dir}/live.pem`;
    const keyFile = `${pki.dir}/live.key`;
    await copyFile(pki.server.cert, certFile);
    await copyFile(pki.server.key, keyFile);
    server = await startTls({ certFile, keyFile, reloadPollMs: 100 });
    const port = server.port;
    const old = fingerprint(pki.server.cert, pki);
    const renewed = fingerprint(pki.server2.cert, pki);

    const open = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.ca, servername: 'localhost' });
    expect(JSON.parse(await h2Get(open)).protocol).toBe('2.0');
    expect((open.socket as tls.TLSSocket).getPeerCertificate().fingerprint256).toBe(old);

    // A certificate without its key is refused, and the old pair stays in use.
    await copyFile(pki.server2.cert, `${certFile}.new`);
    await rename(`${certFile}.new`, certFile);
    expect(await server.reloadTls()).toBe(false);
    expect((await httpsGet(port, { ca: pki.ca })).served).toBe(old);

    await copyFile(pki.server2.key, `${keyFile}.new`);
    await rename(`${keyFile}.new`, keyFile);
    // The poll notices the change: new connections get the new certificate.
    for (let attempt = 0; ; attempt++) {
      const { served } = await httpsGet(port, { ca: pki.ca });
      if (served === renewed) break;
      if (attempt > 200) throw new Error('the renewed certificate was never served');
      await new Promise((r) => setTimeout(r, 25));
    }
    // The connection opened before still works, on the certificate it started with.
    expect(JSON.parse(await h2Get(open)).protocol).toBe('2.0');
    expect((open.socket as tls.TLSSocket).getPeerCertificate().fingerprint256).toBe(old);
    open.close();
  });
});
