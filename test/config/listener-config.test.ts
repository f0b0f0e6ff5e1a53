import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlsTerminator } from '../../src/api/tls-terminator.js';
import { loadConfig } from '../../src/config.js';
import { makeTestPki, type TestPki } from '../support/test-certs.js';

describe('listener and TLS settings', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => rm(pki.dir, { recursive: true, force: true }));

  it('has defaults for every limit, the headers deadline at most 60 s', () => {
    const config = loadConfig({});
    expect(config.connections).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 65_000, pingTimeoutMs: 20_000, maxConnections: 4096, maxBufferedBytes: 512 * 1024 * 1024 });
    expect(config.connections.headersTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(config.tls).toBeUndefined();
    expect(config.svgInline).toBe(false);
  });

  it('names the variable, what was expected and what was received', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '0' })).toThrow('config HEADERS_TIMEOUT_MS: expected an integer from 100 to 600000, received "0"');
    expect(() => loadConfig({ MAX_CONNECTIONS: 'many' })).toThrow('config MAX_CONNECTIONS: expected an integer from 1 to 1000000, received "many"');
    expect(() => loadConfig({ MAX_BUFFERED_BYTES: '2048', MAX_MESSAGE_BYTES: '4096' })).toThrow(
      'config MAX_BUFFERED_BYTES: expected at least MAX_MESSAGE_BYTES (4096), or no message that size could be received, received "2048"',
    );
    expect(() => loadConfig({ SVG_INLINE: 'maybe' })).toThrow('config SVG_INLINE: expected 1, true or yes, or 0, false or no, received "maybe"');
    expect(loadConfig({ SVG_INLINE: 'true' }).svgInline).toBe(true);
    expect(() => loadConfig({ TLS_CERT_FILE: '/x.pem' })).toThrow('config TLS_KEY_FILE: expected the private key (PEM) that goes with TLS_CERT_FILE, received ""');
    expect(() => loadConfig({ TLS_CLIENT_CA_FILE: '/ca.pem' })).toThrow('config TLS_CLIENT_CA_FILE: expected unset without TLS_CERT_FILE and TLS_KEY_FILE (mutual TLS needs TLS), received "/ca.pem"');
    expect(() => loadConfig({ TLS_CERT_FILE: '/x.pem', TLS_KEY_FILE: '/x.key', TLS_CLIENT_AUTH: 'sometimes' })).toThrow('config TLS_CLIENT_AUTH: expected require or optional, received "sometimes"');
    expect(loadConfig({ TLS_CERT_FILE: '/x.pem', TLS_KEY_FILE: '/x.key', TLS_CLIENT_CA_FILE: '/ca.pem' }).tls).toEqual({
      certFile: '/x.pem',
      keyFile: '/x.key',
      clientCaFile: '/ca.pem',
      clientAuth: 'require',
      reloadPollMs: 10_000,
    });
  });

  it('refuses at start a missing file, a file without PEM, and a key that is not the certificate\'s', async () => {
    const onSecure = () => undefined;
    const start = (certFile: string, keyFile: string, clientCaFile?: string) => createTlsTerminator({ certFile, keyFile, clientCaFile }, { handshakeTimeoutMs: 1000, onSecure });
    const missing = path.join(pki.dir, 'missing.pem');
    await expect(start(missing, pki.server.key)).rejects.toThrow(`config TLS_CERT_FILE: expected a readable file with a PEM certificate chain, received "${missing} (ENOENT)"`);
    const empty = path.join(pki.dir, 'empty.pem');
    await writeFile(empty, '');
    await expect(start(pki.server.cert, empty)).rejects.toThrow(`config TLS_KEY_FILE: expected a file with a PEM private key, received "${empty}: no PEM block in it"`);
    await expect(start(pki.server.cert, pki.server.key, empty)).rejects.toThrow(`config TLS_CLIENT_CA_FILE: expected a file with PEM CA certificates, received "${empty}: no PEM block in it"`);
    await expect(start(pki.server.cert, pki.server2.key)).rejects.toThrow(/^config TLS_CERT_FILE and TLS_KEY_FILE: expected a certificate and its own private key, received ".*key values mismatch"$/);
    const ok = await start(pki.server.cert, pki.server.key, pki.caFile);
    ok.close();
  });
});
