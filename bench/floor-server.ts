import http2 from 'node:http2';
import { createConnectRouter, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Piscina } from 'piscina';
import {
  ProcessBatchRequestSchema,
  ProcessBatchResponseSchema,
  ProcessingService,
  ProcessingServiceGenerateVariationsRequestSchema as RequestSchema,
  ProcessingServiceGenerateVariationsResponseSchema as ResponseSchema,
} from '../gen/image/v1/processing_service_pb.js';
import { grpcStreamHandler } from '../src/api/grpc-stream-adapter.js';
import { WORKLOADS, type Workload } from './workloads.js';

/**
 * The least a gRPC server in Node can do for GenerateVariations, for floor.bench.ts (which starts it as
 * a child process and reads its port from an IPC message). No validation, admission, deadlines or
 * errors; the workload's sharp pipeline on this main thread, or in a bare piscina pool with
 * FLOOR_POOL=1 (as the service's architecture has it). FLOOR_TRANSPORT picks what carries the call:
 * - "http2": node:http2's stream API, one copy of the body, protobuf-es;
 * - "connect": connect-node's adapter (Node's request/response compatibility layer), as the service;
 * - "connect-stream": connect's router handlers driven from the bare HTTP/2 stream by the service's
 *   src/api/grpc-stream-adapter.ts, no compatibility layer (how the service serves gRPC over HTTP/2).
 * On "http2" it also answers ProcessBatch (bareBatch): every item is the thumbnail workload.
 */
const pool =
  process.env.FLOOR_POOL === '1'
    ? new Piscina({ filename: new URL('./floor-worker.ts', import.meta.url).href, minThreads: 2, maxThreads: 2, concurrentTasksPerWorker: 2, idleTimeout: Infinity })
    : undefined;

const workloadOf = (id: string): Workload => WORKLOADS.find((w) => w.config.id === id)!;

/** The workload's pipeline on the bytes: moved to the pool when there is one, else on this thread. */
function runWorkload(workload: Workload, input: Uint8Array): Promise<Uint8Array> {
  if (pool) return pool.run({ workload: workload.name, input }, { transferList: [input.buffer as ArrayBuffer] });
  return workload.raw(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
}

function routes(router: ConnectRouter): void {
  router.service(ProcessingService, {
    async *generateVariations(request) {
      const config = request.variationConfigs[0];
      yield { id: config.id, image: { data: await runWorkload(workloadOf(config.id), request.imageData), format: config.format } };
    },
  });
}

function bareStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  if (headers[':path'] === '/image.v1.ProcessingService/ProcessBatch') return bareBatch(stream);
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  // The workload's promise is answered on the stream itself; nothing waits for it.
  stream.on('end', () => void (async () => {
    const request = fromBinary(RequestSchema, Buffer.concat(chunks).subarray(5));
    const config = request.variationConfigs[0];
    const data = await runWorkload(workloadOf(config.id), request.imageData);
    const message = toBinary(ResponseSchema, create(ResponseSchema, { id: config.id, image: { data, format: config.format } }));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(envelope(message));
  })());
}

/** A gRPC message envelope: flags byte, length, message. */
function envelope(message: Uint8Array): Buffer {
  const framed = Buffer.alloc(5 + message.byteLength);
  framed.writeUInt32BE(message.byteLength, 1);
  framed.set(message, 5);
  return framed;
}

/**
 * ProcessBatch with nothing around it: items are taken off the stream as their envelopes complete, each
 * runs the thumbnail pipeline at once (the client bounds how many are open), and each result is written
 * as it is done; trailers follow the last once the client has ended its side.
 */
function bareBatch(stream: http2.ServerHttp2Stream): void {
  const thumbnail = WORKLOADS.find((w) => w.name === 'thumbnail')!;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  let chunks: Buffer[] = [];
  let buffered = 0;
  let need = 5;
  let open = 0;
  let ended = false;
  const finish = () => {
    if (!ended || open > 0) return;
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end();
  };
  const handle = async (message: Buffer) => {
    const item = fromBinary(ProcessBatchRequestSchema, message);
    const bytes = item.source.case === 'imageData' ? item.source.value : new Uint8Array();
    // The bytes lie in the stream's buffer, which other items share: moving them to the pool takes a copy
    // (new Uint8Array copies; a Buffer's slice would not).
    const input = pool ? new Uint8Array(bytes) : bytes;
    const data = await runWorkload(thumbnail, input);
    stream.write(envelope(toBinary(ProcessBatchResponseSchema, create(ProcessBatchResponseSchema, { id: item.id, result: { case: 'image', value: { data } } }))));
    open--;
    finish();
  };
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.byteLength;
    while (buffered >= need) {
      // Joined only once a header or a whole message is there: each byte is copied once.
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const length = all.readUInt32BE(1);
      if (all.byteLength < 5 + length) {
        chunks = [all];
        need = 5 + length;
        continue;
      }
      open++;
      void handle(all.subarray(5, 5 + length));
      const rest = all.subarray(5 + length);
      chunks = rest.byteLength > 0 ? [rest] : [];
      buffered = rest.byteLength;
      need = 5;
    }
  });
  stream.on('end', () => {
    ended = true;
    finish();
  });
}

/** connect's router handlers on the bare stream, through the service's own adapter for gRPC over HTTP/2. */
function connectOnStream(): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  const router = createConnectRouter();
  routes(router);
  const take = grpcStreamHandler(router.handlers, (error) => console.error(error));
  return (stream, headers) => {
    if (!take(stream, headers)) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  };
}

const transport = process.env.FLOOR_TRANSPORT ?? 'http2';
const server = http2.createServer({ settings: { initialWindowSize: 1 << 20 } }, transport === 'connect' ? connectNodeAdapter({ routes }) : undefined);
server.on('session', (session) => session.setLocalWindowSize(4 << 20));
if (transport === 'http2') server.on('stream', bareStream);
if (transport === 'connect-stream') server.on('stream', connectOnStream());
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!(typeof address === 'object' && address ? address.port : 0);
});
