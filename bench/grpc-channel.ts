import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from '../gen/grpc/health/v1/health_pb.js';

/**
 * A bare @grpc/grpc-js channel, as an internal service would hold one (one HTTP/2 connection). Requests
 * are serialised once, before the clock starts, and passed as bytes: the client's own protobuf work is
 * not what the bench measures, and on two cores it would be taken from the server.
 */
export class GrpcChannel {
  readonly client: grpc.Client;

  constructor(address: string, options: grpc.ChannelOptions = {}) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      ...options,
    });
  }

  /** A server-streaming call with a pre-encoded request; resolves with every message once the stream ends. */
  serverStream<O extends DescMessage>(path: string, request: Buffer, output: O, deadlineMs = 120_000): Promise<MessageShape<O>[]> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeServerStreamRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => fromBinary(output, b),
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
      );
      const out: MessageShape<O>[] = [];
      call.on('data', (m: MessageShape<O>) => out.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }

  unary<I extends DescMessage, O extends DescMessage>(path: string, input: I, request: MessageInitShape<I>, output: O, deadlineMs = 5_000): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
        (b: Buffer) => fromBinary(output, b),
        create(input, request),
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, res?: MessageShape<O>) => (err ? reject(err) : resolve(res!)),
      );
    });
  }

  /** A unary call with a pre-encoded request; resolves with the response's size, undecoded. */
  unaryBytes(path: string, request: Buffer, deadlineMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!.length)),
      );
    });
  }

  /** grpc.health.v1 Check of the whole server. */
  async serving(deadlineMs = 1_000): Promise<boolean> {
    const res = await this.unary('/grpc.health.v1.Health/Check', HealthCheckRequestSchema, { service: '' }, HealthCheckResponseSchema, deadlineMs);
    return res.status === HealthCheckResponse_ServingStatus.SERVING;
  }

  close(): void {
    this.client.close();
  }
}

/** "UNIMPLEMENTED: message" for a grpc-js error, the message itself for anything else. */
export function describeGrpcError(error: unknown): string {
  const e = error as Partial<grpc.ServiceError>;
  if (typeof e?.code === 'number') return `${grpc.status[e.code]}: ${e.details ?? e.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The gRPC status code of a grpc-js error, undefined for anything else. */
export function grpcCode(error: unknown): grpc.status | undefined {
  const code = (error as Partial<grpc.ServiceError>)?.code;
  return typeof code === 'number' ? code : undefined;
}
