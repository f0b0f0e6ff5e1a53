import type http2 from 'node:http2';

/**
 * Idle policy of one HTTP/2 connection: silent for `idleMs` with no stream open, it is closed with
 * GOAWAY (clients reconnect when they next call); silent that long with streams open (a long watch, or
 * a peer that vanished without a FIN), it is pinged and destroyed if no answer comes in `pingTimeoutMs`.
 */
export function keepSession(session: http2.ServerHttp2Session, idleMs: number, pingTimeoutMs: number): void {
  let open = 0;
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++;
    stream.once('close', () => open--);
  });
  // The callback form of setTimeout is a one-shot listener; 'timeout' fires again on every idle period.
  session.setTimeout(idleMs);
  session.on('timeout', () => {
    if (session.closed || session.destroyed) return;
    if (open === 0) {
      session.close();
      return;
    }
    const unanswered = setTimeout(() => session.destroy(), pingTimeoutMs).unref();
    const sent = session.ping((error) => {
      clearTimeout(unanswered);
      if (error) session.destroy();
      // Re-armed: the ping's answer may not count as activity that restarts the idle timer.
      else if (!session.destroyed) session.setTimeout(idleMs);
    });
    if (!sent) {
      clearTimeout(unanswered);
      session.destroy();
    }
  });
}
