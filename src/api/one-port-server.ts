import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import type { StreamHandler } from './grpc-stream-adapter.js';
import { drainEarlyAnswers } from './drain-early-answers.js';
import { armHeadersDeadline, awaitsHeaders, meetHeadersDeadline, shareHeadersDeadline } from './headers-deadline.js';
import { keepSession } from './http2-session-keeper.js';
import type { NodeHandler as NodeHandlerFn } from './node-handler.js';
import { createTlsTerminator, type TlsFiles, type TlsTerminator } from './tls-terminator.js';

const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 4 * 1024 * 1024;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** At most one warning about refused connections per this long: a flood must not become a log flood. */
const DROP_LOG_INTERVAL_MS = 60_000;

export interface OnePortServer {
  readonly host: string;
  readonly port: number;
  /** True when the port speaks TLS. */
  readonly secure: boolean;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then closes what is left. */
  close(graceMs: number): Promise<void>;
  /** Reads the TLS files again (SIGHUP); false when they could not be used and the old ones stay. */
  reloadTls(): Promise<boolean>;
}

export interface OnePortOptions {
  host: string;
  port: number;
  /** Largest HTTP/2 frame buffer per session; must hold the biggest message in flight. */
  maxSessionMemoryMb?: number;
  /** Concurrent HTTP/2 streams per connection: bounds the request bodies one client holds in memory. */
  maxStreamsPerConnection?: number;
  /**
   * Largest request body a well-behaved client sends (a message, or a whole upload stream): after an
   * answer given before its body was read, up to this much more is read and dropped.
   */
  maxRequestBodyBytes?: number;
  /** Offered every HTTP/2 stream first; the streams it declines go to `handler`. */
  streamHandler?: StreamHandler;
  /** A connection must finish its TLS handshake and its first request's headers (or the HTTP/2 preface) within this. */
  headersTimeoutMs?: number;
  /** HTTP/1.1 keep-alive between requests, and HTTP/2 with no stream open, closes after this long idle. */
  idleTimeoutMs?: number;
  /** An HTTP/2 connection idle with streams open is pinged; no answer within this closes it. */
  pingTimeoutMs?: number;
  /** Open connections; more are closed as soon as they are accepted. */
  maxConnections?: number;
  /** TLS with ALPN h2 and http/1.1 instead of plaintext. */
  tls?: TlsFiles;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * One TCP port for every client: the first bytes of a connection tell HTTP/2 prior knowledge (gRPC,
 * and Connect or gRPC-Web over h2c) from HTTP/1.1 (Connect, gRPC-Web, signed file URLs); with TLS,
 * ALPN tells them apart. Both servers share one handler.
 */
export async function listenOnePort(handler: NodeHandlerFn, options: OnePortOptions): Promise<OnePortServer> {
  const headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 65_000;
  const serve = drainEarlyAnswers(handler, options.maxRequestBodyBytes ?? 256 * 1024 * 1024);
  const h1 = http.createServer(
    {
      // Long uploads and streams must not be cut by Node's default request timeout; deadlines are per call.
      requestTimeout: 0,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: idleTimeoutMs,
      // How often Node looks for connections past headersTimeout (its default, 30 s, would let one
      // stay up to twice the timeout).
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeoutMs / 4))),
    },
    serve as http.RequestListener,
  );
  // Node starts the connection tracking behind headersTimeout and closeIdleConnections() on 'listening',
  // which a server that never listens itself (sockets are handed to it) does not otherwise emit.
  h1.emit('listening');
  h1.on('request', (req: http.IncomingMessage) => meetHeadersDeadline(req.socket));
  // Node's default 64 KiB flow-control windows cost a round of WINDOW_UPDATEs per 64 KiB of a
  // multi-megabyte image (measured: 118 → 86 ms of server CPU for a 16 MB request with these).
  const h2 = http2.createServer(
    {
      maxSessionMemory: options.maxSessionMemoryMb ?? 128,
      settings: { initialWindowSize: STREAM_WINDOW, maxConcurrentStreams: options.maxStreamsPerConnection ?? 8 },
    },
    serve as never,
  );
  if (options.streamHandler) takeStreamsFirst(h2, options.streamHandler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session: http2.ServerHttp2Session) => {
    session.setLocalWindowSize(CONNECTION_WINDOW);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // The client's SETTINGS follow its preface: from here the idle policy, not the headers deadline, applies.
    session.once('remoteSettings', () => meetHeadersDeadline(session.socket));
    keepSession(session, idleTimeoutMs, options.pingTimeoutMs ?? 20_000);
  });

  // Sockets in their TLS handshake by peer address: the TLS socket that comes out of it takes over the
  // raw socket's headers deadline (Node does not say which raw socket a TLS socket wraps).
  const handshaking = new Map<string, net.Socket>();
  const terminator: TlsTerminator | undefined = options.tls
    ? await createTlsTerminator(options.tls, {
        handshakeTimeoutMs: headersTimeoutMs,
        log: options.log,
        onSecure: (socket: tls.TLSSocket) => {
          const raw = handshaking.get(peerKey(socket));
          handshaking.delete(peerKey(socket));
          if (raw) shareHeadersDeadline(raw, socket);
          // A client that offers no ALPN at all is taken to speak HTTP/1.1, as Node's own secure HTTP/2 server does.
          (socket.alpnProtocol === 'h2' ? h2 : h1).emit('connection', socket);
        },
      })
    : undefined;

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('error', () => socket.destroy());
    armHeadersDeadline(socket, headersTimeoutMs);
    if (terminator) {
      const key = peerKey(socket);
      handshaking.set(key, socket);
      socket.once('close', () => handshaking.get(key) === socket && handshaking.delete(key));
      terminator.accept(socket);
      return;
    }
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const n = Math.min(chunk.length, H2_PREFACE.length);
      const isH2 = chunk.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2) {
        // http2 reads a socket's already-buffered bytes itself on the next tick; resuming would
        // flush them to 'data' listeners that nobody has.
        h2.emit('connection', socket);
      } else {
        // The http server reads buffered bytes through its 'data' listener, which needs flowing mode.
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  // Beyond it Node closes each new connection as it is accepted.
  tcp.maxConnections = options.maxConnections ?? 4096;
  let dropped = 0;
  let lastDropLog = 0;
  tcp.on('drop', () => {
    dropped++;
    if (Date.now() - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = Date.now();
    options.log?.warn({ maxConnections: tcp.maxConnections, dropped }, 'connections refused: MAX_CONNECTIONS open');
    dropped = 0;
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const address = tcp.address() as net.AddressInfo;

  return {
    host: options.host,
    port: address.port,
    secure: terminator !== undefined,
    reloadTls: () => terminator?.reload() ?? Promise.resolve(false),
    async close(graceMs: number) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      terminator?.close();
      // Connections that have not sent a request's headers have nothing in flight.
      for (const socket of sockets) if (awaitsHeaders(socket)) socket.destroy();
      // GOAWAY lets HTTP/2 clients finish their streams and open no new ones; HTTP/1 keep-alive
      // connections close as soon as they are idle.
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
      h1.close();
      const drained = new Promise<void>((resolve) => {
        const check = () => (sockets.size === 0 ? resolve() : setTimeout(check, 25).unref());
        check();
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/**
 * Puts `first` in front of Node's compatibility layer, which is the server's one 'stream' listener
 * (added when a request handler is given): streams `first` declines are passed on to it unchanged.
 */
function takeStreamsFirst(h2: http2.Http2Server, first: StreamHandler): void {
  const listeners = h2.listeners('stream') as ((...args: unknown[]) => void)[];
  if (listeners.length !== 1) throw new Error(`expected one 'stream' listener (Node's request/response layer) on the HTTP/2 server, found ${listeners.length}`);
  const [compat] = listeners;
  h2.removeListener('stream', compat);
  h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
    if (!first(stream, headers)) compat.call(h2, stream, headers, ...rest);
  });
}
