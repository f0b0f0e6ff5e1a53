import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { StreamHandler } from './grpc-stream-adapter.js';
import type { NodeHandler as NodeHandlerFn } from './node-handler.js';

const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 4 * 1024 * 1024;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface OnePortServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then closes what is left. */
  close(graceMs: number): Promise<void>;
}

export interface OnePortOptions {
  host: string;
  port: number;
  /** Largest HTTP/2 frame buffer per session; must hold the biggest message in flight. */
  maxSessionMemoryMb?: number;
  /** Concurrent HTTP/2 streams per connection: bounds the request bodies one client holds in memory. */
  maxStreamsPerConnection?: number;
  /** Offered every HTTP/2 stream first; the streams it declines go to `handler`. */
  streamHandler?: StreamHandler;
}

/**
 * One TCP port for every client: the first bytes of a connection tell HTTP/2 prior knowledge (gRPC,
 * and Connect or gRPC-Web over h2c) from HTTP/1.1 (Connect, gRPC-Web, signed file URLs). Both servers
 * share one handler.
 */
export async function listenOnePort(handler: NodeHandlerFn, options: OnePortOptions): Promise<OnePortServer> {
  const h1 = http.createServer(handler as http.RequestListener);
  // Long uploads and streams must not be cut by Node's default request timeout; deadlines are per call.
  h1.requestTimeout = 0;
  h1.headersTimeout = 60_000;
  // Node's default 64 KiB flow-control windows cost a round of WINDOW_UPDATEs per 64 KiB of a
  // multi-megabyte image (measured: 118 → 86 ms of server CPU for a 16 MB request with these).
  const h2 = http2.createServer(
    {
      maxSessionMemory: options.maxSessionMemoryMb ?? 128,
      settings: { initialWindowSize: STREAM_WINDOW, maxConcurrentStreams: options.maxStreamsPerConnection ?? 8 },
    },
    handler as never,
  );
  if (options.streamHandler) takeStreamsFirst(h2, options.streamHandler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    session.setLocalWindowSize(CONNECTION_WINDOW);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('error', () => socket.destroy());
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
    async close(graceMs: number) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
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
