import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnePort, type OnePortOptions, type OnePortServer } from '../../src/api/one-port-server.js';
import { http2Get } from '../support/http2-get.js';

/**
 * Connection hygiene of the one port, with real sockets: headers deadline (silent, one-byte and slow
 * connections), idle keep-alive and HTTP/2 sessions, pings to peers that vanished, the connection bound,
 * and shutdown closing idle connections at once. Timeouts are short here; nothing asserts a duration.
 */
const servers: OnePortServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

/** `/hang` answers when the test says so; everything else answers at once. */
function handler(hung: { onRequest?: () => void; release?: () => void }) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    if (req.url === '/hang') {
      hung.release = () => res.end('late');
      hung.onRequest?.();
      return;
    }
    res.end('ok');
  };
}

async function start(options: Partial<OnePortOptions>, hung: Parameters<typeof handler>[0] = {}): Promise<OnePortServer> {
  const server = await listenOnePort(handler(hung) as never, { host: '127.0.0.1', port: 0, ...options });
  servers.push(server);
  return server;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves when the server closes the socket, with whatever it sent first. */
function closedByServer(socket: net.Socket): Promise<string> {
  let received = '';
  socket.on('data', (d) => (received += String(d)));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

/** One HTTP/1.1 request on a raw socket, resolved with the response's head and body text. */
function rawGet(socket: net.Socket, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += String(d);
      if (/\r\n\r\n[\s\S]*ok$/.test(text) || /\r\n\r\n[\s\S]*late$/.test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before the response; got ${JSON.stringify(text)}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  });
}

describe('one port: headers deadline', () => {
  it('closes a connection that sends nothing, one that sends "G", and one that sends "P"', async () => {
    const server = await start({ headersTimeoutMs: 300 });
    const silent = await connect(server.port);
    const g = await connect(server.port);
    const p = await connect(server.port);
    const closes = [closedByServer(silent), closedByServer(g), closedByServer(p)];
    g.write('G');
    p.write('P');
    const [fromSilent, fromG] = await Promise.all(closes);
    expect(fromSilent).toBe('');
    expect(fromG).not.toMatch(/ 200 /);
  });

  it('keeps none of 200 silent connections', async () => {
    const server = await start({ headersTimeoutMs: 300 });
    const sockets = await Promise.all(Array.from({ length: 200 }, () => connect(server.port)));
    await Promise.all(sockets.map(closedByServer));
    expect(sockets.every((s) => s.destroyed)).toBe(true);
  });

  it('closes a keep-alive connection that starts a second request and never finishes its headers (Node checks those)', async () => {
    // Idle timeout far away: only the headers deadline can close it.
    const server = await start({ headersTimeoutMs: 300, idleTimeoutMs: 600_000 });
    const socket = await connect(server.port);
    expect(await rawGet(socket)).toMatch(/^HTTP\/1\.1 200/);
    const closed = closedByServer(socket);
    socket.write('GET / HT');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('does not cut a request whose headers arrived in time but whose answer takes longer than the deadline', async () => {
    const hung: { onRequest?: () => void; release?: () => void } = {};
    const server = await start({ headersTimeoutMs: 200, idleTimeoutMs: 600_000 }, hung);
    // HTTP/1.1: answered after three headers deadlines have passed.
    const socket = await connect(server.port);
    let waited = 0;
    hung.onRequest = () => {
      const tick = () => (++waited < 3 ? setTimeout(tick, 200) : hung.release!());
      setTimeout(tick, 200);
    };
    expect(await rawGet(socket, '/hang')).toMatch(/late$/);
    socket.destroy();
    // HTTP/2: the same.
    waited = 0;
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    const body = await http2Get(session, '/hang');
    session.close();
    expect(body).toBe('late');
  });
});

describe('one port: idle connections', () => {
  it('closes an HTTP/1.1 keep-alive connection idle between requests', async () => {
    const server = await start({ headersTimeoutMs: 600_000, idleTimeoutMs: 300 });
    const socket = await connect(server.port);
    expect(await rawGet(socket)).toMatch(/^HTTP\/1\.1 200/);
    await closedByServer(socket);
  });

  it('sends GOAWAY to an HTTP/2 connection with no stream open', async () => {
    const server = await start({ idleTimeoutMs: 300 });
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
    const req = session.request({ ':path': '/' });
    req.resume();
    await new Promise((resolve) => req.once('end', resolve));
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await new Promise((resolve) => session.once('close', resolve));
  });

  it('pings an HTTP/2 connection idle with a stream open, and keeps it while the peer answers', async () => {
    const hung: { onRequest?: () => void; release?: () => void } = {};
    const server = await start({ idleTimeoutMs: 200, pingTimeoutMs: 5000 }, hung);
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    let pings = 0;
    const pinged = new Promise<void>((resolve) => session.on('ping', () => ++pings === 3 && resolve()));
    const started = new Promise<void>((resolve) => (hung.onRequest = resolve));
    const req = session.request({ ':path': '/hang' });
    let text = '';
    req.on('data', (d) => (text += String(d)));
    const ended = new Promise((resolve) => req.once('end', resolve));
    req.end();
    await started;
    await pinged;
    hung.release!();
    await ended;
    expect(text).toBe('late');
    session.close();
  });

  it('closes an HTTP/2 connection whose peer stops answering pings', async () => {
    const hung: { onRequest?: () => void; release?: () => void } = {};
    const server = await start({ idleTimeoutMs: 200, pingTimeoutMs: 200 }, hung);
    // A proxy that can swallow everything both ways, as a peer that vanished without closing would.
    let blackhole = false;
    let upstreamClosed!: Promise<void>;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(server.port, '127.0.0.1');
      upstreamClosed = new Promise((resolve) => upstream.once('close', () => resolve()));
      client.on('data', (d) => blackhole || upstream.write(d));
      upstream.on('data', (d) => blackhole || client.write(d));
      for (const s of [client, upstream]) s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const session = http2.connect(`http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`);
      session.on('error', () => undefined);
      const started = new Promise<void>((resolve) => (hung.onRequest = resolve));
      const req = session.request({ ':path': '/hang' });
      req.on('error', () => undefined);
      req.end();
      await started;
      blackhole = true;
      await upstreamClosed;
      session.destroy();
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('one port: connection bound', () => {
  it('closes connections beyond MAX_CONNECTIONS at once and serves the ones it holds', async () => {
    const server = await start({ maxConnections: 3, headersTimeoutMs: 600_000, idleTimeoutMs: 600_000 });
    const held = await Promise.all([0, 1, 2].map(() => connect(server.port)));
    // Answered: each of the three has been accepted and counted.
    for (const socket of held) expect(await rawGet(socket)).toMatch(/^HTTP\/1\.1 200/);
    const extra = await connect(server.port);
    expect(await closedByServer(extra)).toBe('');
    expect(await rawGet(held[0])).toMatch(/^HTTP\/1\.1 200/);
    // A place freed is a place taken.
    const gone = closedByServer(held[1]);
    held[1].destroy();
    await gone;
    let next: net.Socket | undefined;
    for (let attempt = 0; !next; attempt++) {
      // The server learns of the close a moment after the client: until then a new connection is still refused.
      const socket = await connect(server.port);
      try {
        expect(await rawGet(socket)).toMatch(/^HTTP\/1\.1 200/);
        next = socket;
      } catch (e) {
        if (attempt > 100) throw e;
      }
    }
    for (const s of [...held, next]) s.destroy();
  });
});

describe('one port: shutdown', () => {
  it('closes idle HTTP/1.1 keep-alive connections at once instead of waiting out the grace period', async () => {
    const server = await listenOnePort(handler({}) as never, { host: '127.0.0.1', port: 0, headersTimeoutMs: 600_000, idleTimeoutMs: 600_000 });
    const socket = await connect(server.port);
    expect(await rawGet(socket)).toMatch(/^HTTP\/1\.1 200/);
    const closed = closedByServer(socket);
    // A grace period longer than the test's own timeout: only closing the idle connection lets this finish.
    await server.close(600_000);
    await closed;
  });
});
