import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A Connect unary call over HTTP/1.1 (as a browser sends one) whose body arrives in `chunks` pieces
 * spread over `seconds`: a client on a slow link. Answers "OK", the Connect error's code in gRPC's
 * spelling ("INVALID_ARGUMENT"), `HTTP_<status>` for a reply that is not Connect's, or
 * `CLOSED_<errno>` when the connection ends without a reply.
 */
export async function slowConnectCall(address: string, path: string, body: Buffer, seconds: number, deadlineMs: number): Promise<string> {
  const [host, port] = address.split(':');
  const chunks = 16;
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port: Number(port),
        method: 'POST',
        path,
        agent: false,
        headers: { 'content-type': 'application/proto', 'connect-protocol-version': '1', 'connect-timeout-ms': String(deadlineMs), 'content-length': body.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve(res.statusCode === 200 ? 'OK' : connectCode(res.statusCode ?? 0, Buffer.concat(parts))));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(`CLOSED_${e.code ?? 'ERROR'}`));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`CLOSED_${e.code ?? 'ERROR'}`));
    void (async () => {
      const size = Math.ceil(body.length / chunks);
      for (let at = 0; at < body.length && !req.destroyed; at += size) {
        req.write(body.subarray(at, at + size));
        await sleep((seconds * 1000) / chunks);
      }
      req.end();
    })();
  });
}

function connectCode(status: number, body: Buffer): string {
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    if (typeof code === 'string') return code.toUpperCase();
  } catch {
    // Not Connect's JSON error: reported by its HTTP status below.
  }
  return `HTTP_${status}`;
}

export interface IdleResult {
  /** Whether the server closed the socket before the hold ended. */
  closedByServer: boolean;
  ms: number;
}

/**
 * A TCP connection that sends nothing, or one byte ("G" as HTTP/1 would start, "P" as the HTTP/2
 * preface would), and waits up to `holdMs` (or until `signal`) for the server to close it.
 */
export async function idleSocket(address: string, send: '' | 'G' | 'P', holdMs: number, signal: AbortSignal): Promise<IdleResult> {
  const [host, port] = address.split(':');
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) }, () => {
      if (send) socket.write(send);
    });
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ closedByServer, ms: performance.now() - started });
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(onAbort, holdMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}
