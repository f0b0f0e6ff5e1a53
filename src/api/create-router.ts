import type { DescMessage, DescMethod, DescService, JsonReadOptions, JsonWriteOptions } from '@bufbuild/protobuf';
import { fromJsonString } from '@bufbuild/protobuf';
import { createConnectRouter, createServiceImplSpec, type ConnectRouter, type ConnectRouterOptions, type MethodImpl, type ServiceImpl } from '@connectrpc/connect';
import type { UniversalHandler, UniversalHandlerOptions } from '@connectrpc/connect/protocol';
import { jsonRequestError } from './json-request-error.js';
import { toConnectError } from './to-connect-error.js';

type JsonOptions = Partial<JsonReadOptions & JsonWriteOptions>;

/**
 * The service's one connect router. Its handlers serve every protocol on both paths (the bare HTTP/2
 * stream for gRPC, Node's request/response for Connect, gRPC-Web and HTTP/1.1), so each call runs
 * the same interceptor chain and the same JSON rules whichever way it arrives.
 *
 * JSON requests are read as proto3 JSON says, not as connect's lenient default: an unknown field or
 * enum name is INVALID_ARGUMENT instead of silently becoming the default value.
 */
export function createRouter(options: ConnectRouterOptions, routes: (router: ConnectRouter) => void): readonly UniversalHandler[] {
  const json: JsonOptions = { ...options.jsonOptions, ignoreUnknownFields: false };
  const router = createConnectRouter({ ...options, jsonOptions: json });
  const protocols = { grpc: options.grpc, grpcWeb: options.grpcWeb, connect: options.connect };
  // A method's handler options replace the router's, so the protocols and JSON options are carried over.
  const withDecoder = (method: DescMethod, given?: Partial<UniversalHandlerOptions>) => ({
    ...protocols,
    ...given,
    jsonOptions: { ...json, ...given?.jsonOptions, textDecoder: requestDecoder(method.input) },
  });
  const perMethod: ConnectRouter = {
    handlers: router.handlers,
    service<T extends DescService>(service: T, implementation: Partial<ServiceImpl<T>>, given?: Partial<UniversalHandlerOptions>) {
      // Method by method: each needs a decoder for its own request type.
      for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) {
        router.rpc(spec.method, spec.impl as MethodImpl<typeof spec.method>, withDecoder(spec.method, given));
      }
      return this;
    },
    rpc<M extends DescMethod>(method: M, impl: MethodImpl<M>, given?: Partial<UniversalHandlerOptions>) {
      router.rpc(method, impl, withDecoder(method, given));
      return this;
    },
  };
  routes(perMethod);
  return router.handlers;
}

/**
 * The text of a JSON request, once protobuf-es has accepted it. connect answers a body protobuf-es
 * rejects with INVALID_ARGUMENT in protobuf-es's words (no field path, no accepted values, no
 * ErrorInfo), and does so before any interceptor runs: a unary request is parsed before the chain. Its
 * JSON serialization has one hook, the `textDecoder` it takes from jsonOptions (not in the router's
 * option type, passed through as is; test/e2e/json-surface.test.ts fails if that changes) and calls just
 * before parsing. So the body is checked here and a rejection leaves as the catalogue's error. The
 * price is a second parse of JSON requests only, binary ones never come here: microseconds for a
 * typical request, about 23 ms per MB of base64 image data (protobuf-es decodes base64 in JavaScript).
 */
function requestDecoder(schema: DescMessage): { decode(bytes?: Uint8Array): string } {
  const utf8 = new TextDecoder();
  return {
    decode(bytes) {
      const text = utf8.decode(bytes);
      try {
        fromJsonString(schema, text, { ignoreUnknownFields: false });
      } catch (e) {
        throw toConnectError(jsonRequestError(schema, text, e));
      }
      return text;
    },
  };
}
