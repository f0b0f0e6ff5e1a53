import http2 from 'node:http2';
import { Code, ConnectError, createContextValues, type ContextValues } from '@connectrpc/connect';
import type { UniversalHandler, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { specEncode } from './grpc-message-encoding.js';
import { meteredBody, requestBodyAccount, type RequestByteBudget } from './request-byte-budget.js';

/** Takes an HTTP/2 stream and answers it, or returns false to leave it to the next handler. */
export type StreamHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/** The call's context values, from its stream (what connect-node's contextValues option takes from a request). */
type ContextValuesOf = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => ContextValues;

const { NGHTTP2_NO_ERROR, NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL } = http2.constants;

export interface StreamOptions {
  readMaxBytes?: number;
  /** Request body bytes held across all calls (shared with the adapter's path). */
  budget?: RequestByteBudget;
  /** A call's context values from its stream (the peer's identity). */
  contextValues?: ContextValuesOf;
}

/**
 * gRPC over HTTP/2 (what internal services and grpcurl speak), served by connect's own handlers driven
 * straight from the HTTP/2 stream. connect-node's adapter goes through Node's request/response
 * compatibility layer, which costs about 1.5 ms of main-thread CPU per request with an image in it
 * (`npm run bench:floor`: thumbnails at 0.78 of raw sharp through the adapter, 0.87 without it).
 * The protocol work (envelopes, deadlines, errors, compression, interceptors) is still connect's: this
 * only carries headers, body and trailers, as connect-node's adapter does. gRPC-Web and the Connect
 * protocol, and gRPC over HTTP/1.1, go through Node's request/response objects (node-request-handler.ts);
 * both take the same handlers, from the one router (create-router.ts).
 */
export function grpcStreamHandler(
  handlers: readonly UniversalHandler[],
  onError: (error: unknown) => void,
  options: StreamOptions = {},
): StreamHandler {
  const byPath = new Map(handlers.map((h) => [h.requestPath, h]));
  // Body bytes dropped after an early answer before the stream is reset: one more whole message.
  const drainLimit = (options.readMaxBytes ?? 4 * 1024 * 1024) + 5;
  return (stream, headers) => {
    const contentType = headers['content-type'];
    // application/grpc, application/grpc+proto, application/grpc+json; not application/grpc-web.
    if (typeof contentType !== 'string' || !/^application\/grpc(?:$|[+;])/i.test(contentType)) return false;
    const handler = byPath.get(String(headers[':path'] ?? '').split('?', 1)[0]);
    // Unknown methods go on to the Node request/response path, which answers them as it answers any unknown path.
    if (!handler) return false;
    serve(handler, stream, headers, drainLimit, options).catch(onError);
    return true;
  };
}

async function serve(handler: UniversalHandler, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, drainLimit: number, options: StreamOptions): Promise<void> {
  const account = options.budget?.open();
  const body = account ? meteredBody(requestBody(stream), account) : requestBody(stream);
  const values = options.contextValues?.(stream, headers) ?? (account ? createContextValues() : undefined);
  if (account) values?.set(requestBodyAccount, account);
  try {
    await serveCall(handler, stream, headers, drainLimit, body, values);
  } finally {
    account?.release();
  }
}

async function serveCall(
  handler: UniversalHandler,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  drainLimit: number,
  body: AsyncIterable<Uint8Array>,
  contextValues: ContextValues | undefined,
): Promise<void> {
  const abort = new AbortController();
  let answered = false;
  // Only a stream that closes before the answer is out aborts the call (a reset, a cancel): aborting
  // every finished call, as connect-node's adapter does, builds an AbortError and its stack each time.
  stream.once('close', () => {
    if (!answered) abort.abort(resetError(stream.rstCode) ?? new ConnectError('the HTTP/2 stream closed before the response', Code.Canceled));
  });
  let response: UniversalServerResponse;
  try {
    response = await handler({
      httpVersion: '2.0',
      method: String(headers[':method'] ?? ''),
      url: `${stream.session?.encrypted ? 'https' : 'http'}://${String(headers[':authority'] ?? 'localhost')}${String(headers[':path'] ?? '')}`,
      header: webHeaders(headers),
      body,
      signal: abort.signal,
      contextValues,
    });
  } catch (error) {
    stream.close(NGHTTP2_INTERNAL_ERROR);
    throw error;
  }
  try {
    await respond(response, stream);
  } finally {
    answered = true;
  }
  // Answered before the client finished sending (an error at the first bytes of an oversized message):
  // the rest is being read and dropped (see requestBody) so the answer gets out whole; a client that
  // goes on sending long after it (a well-behaved one stops at the trailers) has its stream reset.
  if (!stream.closed && !stream.readableEnded) resetAfter(stream, drainLimit);
}

/** Resets the stream once `limit` more bytes of its body have arrived. */
function resetAfter(stream: http2.ServerHttp2Stream, limit: number): void {
  let left = limit;
  stream.on('data', (chunk: Buffer) => {
    left -= chunk.byteLength;
    if (left < 0 && !stream.closed) stream.close(NGHTTP2_CANCEL);
  });
}

/**
 * The request body, chunk by chunk. When connect stops reading early (a message over readMaxBytes, a
 * handler that fails halfway through a client stream), the rest is read and dropped: Node's own stream
 * iterator would destroy the stream, which resets it before the error's trailers are out, and the client
 * would see CANCELLED instead of the error.
 */
function requestBody(stream: http2.ServerHttp2Stream): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      const chunks = stream.iterator({ destroyOnReturn: false });
      return {
        next: () => chunks.next(),
        return: async (value?: unknown) => {
          await chunks.return?.();
          stream.resume();
          return { done: true, value };
        },
      };
    },
  };
}

/** Writes connect's response as connect-node does: headers after the first body chunk (handlers may still set some), then the body, then trailers. */
async function respond(response: UniversalServerResponse, stream: http2.ServerHttp2Stream): Promise<void> {
  const body = response.body?.[Symbol.asyncIterator]();
  let writing = false;
  try {
    let chunk = body ? await body.next() : undefined;
    // The client is gone (a reset, a cancelled call): connect has seen the abort; nothing to write.
    if (stream.closed || stream.destroyed) return;
    const { trailer } = response;
    stream.respond({ ':status': response.status, ...nodeHeaders(response.header) }, { waitForTrailers: trailer !== undefined });
    for (; chunk !== undefined && chunk.done !== true; chunk = await body!.next()) {
      writing = true;
      await write(stream, chunk.value);
      writing = false;
    }
    // Read only now: connect sets the status of a stream that fails after its first message as the body ends.
    if (trailer) stream.once('wantTrailers', () => stream.sendTrailers(nodeHeaders(trailer)));
    await new Promise<void>((resolve) => stream.end(resolve));
  } catch (error) {
    // A failed write means the client is gone: tell the handler, so its work stops.
    if (writing) await body?.throw?.(error).catch(() => undefined);
    // A stream that closed under us is a client that left, not a server fault worth a log line.
    if (stream.closed || stream.destroyed) return;
    stream.close(NGHTTP2_INTERNAL_ERROR);
    throw error;
  } finally {
    await body?.return?.(undefined).catch(() => undefined);
  }
}

function write(stream: http2.ServerHttp2Stream, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) return reject(new ConnectError('the HTTP/2 stream was closed', Code.Canceled));
    if (stream.write(data)) return resolve();
    const done = (error?: ConnectError): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new ConnectError('the HTTP/2 stream was closed', Code.Canceled));
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

/** Node's request headers as Web Headers, as connect-node's nodeHeaderToWebHeader (which it does not export) makes them. */
function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, String(value));
  }
  return out;
}

/** Node's header object from connect's, with grpc-message encoded the way @grpc/grpc-js decodes it (see grpc-message-encoding.ts). */
function nodeHeaders(headers: Headers | undefined): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers?.forEach((value, name) => {
    out[name] = name === 'grpc-message' ? specEncode(value) : value;
  });
  return out;
}

/** What a reset stream means for the call, as connect-node's connectErrorFromH2ResetCode (not exported) maps it. */
function resetError(rstCode: number): ConnectError | undefined {
  if (rstCode === NGHTTP2_NO_ERROR || rstCode === undefined) return undefined;
  const c = http2.constants;
  const message = `http/2 stream closed with error code 0x${rstCode.toString(16)}`;
  switch (rstCode) {
    case c.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case c.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case c.NGHTTP2_INADEQUATE_SECURITY:
    case c.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.PermissionDenied);
    case c.NGHTTP2_STREAM_CLOSED:
      return undefined;
    default:
      return new ConnectError(message, Code.Internal);
  }
}
