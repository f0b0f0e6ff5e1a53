import type net from 'node:net';

const DEADLINE = Symbol('headers deadline');

interface Deadline {
  timer: NodeJS.Timeout;
  met: boolean;
}

type Guarded = net.Socket & { [DEADLINE]?: Deadline };

/**
 * Closes `socket` unless `meetHeadersDeadline` is called for it within `ms`: a connection must finish
 * its TLS handshake and its first request's headers (or the HTTP/2 preface) in that time. Node's own
 * HTTP/1 headersTimeout covers the requests after the first; nothing of Node's covers the bytes before
 * a connection reaches its HTTP server, nor the HTTP/2 preface.
 */
export function armHeadersDeadline(socket: net.Socket, ms: number): void {
  (socket as Guarded)[DEADLINE] = { timer: setTimeout(() => socket.destroy(), ms).unref(), met: false };
  socket.once('close', () => meetHeadersDeadline(socket));
}

/** Carries a raw socket's deadline over to the TLS socket wrapping it. */
export function shareHeadersDeadline(from: net.Socket, to: net.Socket): void {
  (to as Guarded)[DEADLINE] = (from as Guarded)[DEADLINE];
}

/**
 * The connection has sent what it had to. Takes the socket itself or, for HTTP/2, the session's
 * `socket` proxy, which hands reads of the symbol through to the socket.
 */
export function meetHeadersDeadline(socket: net.Socket): void {
  const deadline = (socket as Guarded)[DEADLINE];
  if (!deadline || deadline.met) return;
  deadline.met = true;
  clearTimeout(deadline.timer);
}

/** True while the socket has not sent its first request's headers: nothing of it can be in flight. */
export function awaitsHeaders(socket: net.Socket): boolean {
  const deadline = (socket as Guarded)[DEADLINE];
  return deadline !== undefined && !deadline.met;
}
