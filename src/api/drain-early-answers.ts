import http2 from 'node:http2';
import type { NodeHandler, NodeRequest } from './node-handler.js';

/**
 * An answer sent before its request body was read whole (connect refusing an oversized message at its
 * first bytes, or a call past MAX_BUFFERED_BYTES) leaves the rest of the body unread, and Node then
 * reads no more of the connection: an HTTP/1.1 connection could carry no other request, and an HTTP/2
 * stream would keep its flow-control window and its place among the session's streams until the
 * session refuses new ones. So the body is iterated without destroying the request when the reader
 * stops early (Node's default iterator would, and with it the answer on HTTP/2), and once the answer
 * is out the rest is read and dropped, up to `limitBytes` (what a well-behaved client may still be
 * sending); a client sending more than that after the answer has its stream reset or its connection
 * closed. The bare-stream gRPC path does the same for its streams (grpc-stream-adapter.ts).
 */
export function drainEarlyAnswers(handler: NodeHandler, limitBytes: number): NodeHandler {
  return (req, res) => {
    Object.defineProperty(req, Symbol.asyncIterator, {
      configurable: true,
      value: () => req.iterator({ destroyOnReturn: false }),
    });
    const drain = () => {
      if (req.complete || req.destroyed) return;
      let left = limitBytes;
      // A reader that failed halfway (a chunk over the budget) leaves its iterator's 'readable' listener,
      // which keeps the request from flowing.
      req.removeAllListeners('readable');
      req.on('data', (chunk: Buffer) => {
        left -= chunk.byteLength;
        if (left < 0) stop(req);
      });
      req.resume();
    };
    // The compatibility layer's 'finish' waits for the HTTP/2 stream to close; the stream's own is the answer being out.
    if ('stream' in req) req.stream.once('finish', drain);
    else res.once('finish', drain);
    handler(req, res);
  };
}

function stop(req: NodeRequest): void {
  if ('stream' in req) {
    if (!req.stream.closed) req.stream.close(http2.constants.NGHTTP2_CANCEL);
  } else req.socket?.destroy();
}
