import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';

/**
 * A plain @grpc/grpc-js client for a protobuf-es service descriptor: the client internal services
 * use, with serialisation done by the generated schemas (no proto-loader, no second copy of the
 * contract). Method names are the lowerCamel local names: client.uploadImage(...). Plaintext unless
 * `credentials` say otherwise (grpc.credentials.createSsl for TLS).
 */
export function grpcJsClient(
  service: DescService,
  address: string,
  options: grpc.ClientOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): grpc.Client & Record<string, any> {
  const definition: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (m: any) => Buffer.from(toBinary(method.input, m)),
      requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
      responseSerialize: (m: any) => Buffer.from(toBinary(method.output, m)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.name);
  return new Ctor(address, credentials, {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    ...options,
  }) as any;
}

/** Promise form of a unary grpc-js call. */
export function unary<T>(client: any, method: string, request: unknown, options: grpc.CallOptions = {}, metadata = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, options, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** Collects a server stream's messages (with the time each arrived) until it ends. */
export function collectStream<T>(call: grpc.ClientReadableStream<T>): Promise<{ message: T; at: number }[]> {
  return new Promise((resolve, reject) => {
    const out: { message: T; at: number }[] = [];
    call.on('data', (message: T) => out.push({ message, at: performance.now() }));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

/** Call credentials that send `authorization: Bearer <credential>` with every call. */
export function bearerCallCredentials(credential: string): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    callback(null, metadata);
  });
}

/** Code and message of a grpc-js call that must fail. */
export async function grpcJsFailure(call: Promise<unknown>): Promise<[grpc.status, string]> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: grpc.ServiceError) => e,
  );
  return [error.code, error.details];
}
