import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { configError } from '../config-env.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CAs that client certificates must chain to (mutual TLS); unset: no client certificates asked for. */
  clientCaFile?: string;
  /** 'require': no connection without a verified client certificate; 'optional': one that is sent must verify. */
  clientAuth?: 'require' | 'optional';
  /** How often the files are checked for a change; 0 = only on reload(). */
  reloadPollMs?: number;
}

export interface TlsTerminator {
  /** Starts the handshake on an accepted TCP socket; `onSecure` gets the TLS socket once it is done. */
  accept(socket: net.Socket): void;
  /** Reads the files again and uses them for new connections; open ones keep theirs. False (and the old certificate kept) when they are unreadable or do not match. */
  reload(): Promise<boolean>;
  close(): void;
}

export interface TlsOptions {
  /** The handshake must be done within this. */
  handshakeTimeoutMs: number;
  onSecure(socket: tls.TLSSocket): void;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * TLS for the one port, offering ALPN h2 and http/1.1. A tls.Server that never listens does the
 * handshakes and checks client certificates (sockets are handed to it, as the one port hands sockets to
 * its HTTP servers); setSecureContext swaps the certificate for new connections while open ones keep theirs.
 */
export async function createTlsTerminator(files: TlsFiles, options: TlsOptions): Promise<TlsTerminator> {
  const mutual = files.clientCaFile !== undefined;
  const optional = mutual && files.clientAuth === 'optional';
  const server = tls.createServer({
    ...(await loadMaterial(files)),
    ALPNProtocols: ['h2', 'http/1.1'],
    requestCert: mutual,
    rejectUnauthorized: mutual && !optional,
    handshakeTimeout: options.handshakeTimeoutMs,
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // 'optional' asks for a certificate without demanding one; one that was sent and does not verify
    // is refused, as 'require' would.
    if (optional && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
      socket.destroy();
      return;
    }
    options.onSecure(socket);
  });
  // A failed handshake (no certificate, an unknown CA, a plaintext client): nothing to answer.
  server.on('tlsClientError', (_error, socket) => socket.destroy());

  let reloading: Promise<boolean> | undefined;
  const reload = (): Promise<boolean> =>
    (reloading ??= (async () => {
      try {
        server.setSecureContext(await loadMaterial(files));
        options.log?.info({ certFile: files.certFile }, 'TLS certificate reloaded');
        return true;
      } catch (e) {
        // Files replaced one after the other are briefly a mismatched pair: the next change retries.
        options.log?.warn({ err: String(e) }, 'TLS certificate not reloaded; the previous one stays in use');
        return false;
      } finally {
        reloading = undefined;
      }
    })());

  const watched = [files.certFile, files.keyFile, ...(files.clientCaFile ? [files.clientCaFile] : [])];
  // Stat polling, not fs.watch: certificates are usually replaced by renaming a new file (or a symlink)
  // into place, which an inotify watch on the old file never sees.
  const onChange = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) void reload();
  };
  if (files.reloadPollMs) for (const file of watched) watchFile(file, { interval: files.reloadPollMs, persistent: false }, onChange);

  return {
    accept: (socket) => server.emit('connection', socket),
    reload,
    close: () => {
      for (const file of watched) unwatchFile(file, onChange);
    },
  };
}

/** The files' contents as secure-context options, checked by building a context from them. */
async function loadMaterial(files: TlsFiles): Promise<tls.SecureContextOptions> {
  const [cert, key, ca] = await Promise.all([
    read(files.certFile, 'TLS_CERT_FILE', 'a PEM certificate chain'),
    read(files.keyFile, 'TLS_KEY_FILE', 'a PEM private key'),
    files.clientCaFile ? read(files.clientCaFile, 'TLS_CLIENT_CA_FILE', 'PEM CA certificates') : undefined,
  ]);
  const material: tls.SecureContextOptions = { cert, key, minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) };
  try {
    // Built here to find a key that does not match its certificate, or a broken PEM, with a clear message.
    tls.createSecureContext(material);
    return material;
  } catch (e) {
    throw configError('TLS_CERT_FILE and TLS_KEY_FILE', 'a certificate and its own private key', `${files.certFile} and ${files.keyFile}: ${(e as Error).message}`);
  }
}

async function read(file: string, variable: string, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw configError(variable, `a readable file with ${what}`, `${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!bytes.includes('-----BEGIN ')) throw configError(variable, `a file with ${what}`, `${file}: no PEM block in it`);
  return bytes;
}
