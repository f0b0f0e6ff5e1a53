import { create, createRegistry, toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import * as v1 from '../../gen/grpc/reflection/v1/reflection_pb.js';
import * as v1alpha from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';

/** gRPC status codes used in reflection's in-band ErrorResponse. */
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/** The file and everything it imports, dependencies first (the order descriptor pools build in). */
function withDependencies(file: DescFile, seen = new Set<string>(), out: DescFile[] = []): DescFile[] {
  if (seen.has(file.name)) return out;
  seen.add(file.name);
  for (const dep of file.dependencies) withDependencies(dep, seen, out);
  out.push(file);
  return out;
}

/**
 * Server reflection (grpc.reflection.v1 and v1alpha, which share one wire shape) built from the
 * generated descriptors, so grpcurl and `buf curl` can list, describe and call every service without
 * .proto files.
 */
export function registerReflection(router: ConnectRouter, services: DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const service of [...services, v1.ServerReflection, v1alpha.ServerReflection]) {
    for (const f of withDependencies(service.file)) files.set(f.name, f);
  }
  const registry = createRegistry(...files.values());
  const serviceNames = [...services.map((s) => s.typeName), v1.ServerReflection.typeName, v1alpha.ServerReflection.typeName].sort();
  const encoded = new Map<string, Uint8Array>();
  const encode = (f: DescFile) => {
    let bytes = encoded.get(f.name);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, f.proto);
      encoded.set(f.name, bytes);
    }
    return bytes;
  };

  const fileContainingSymbol = (symbol: string): DescFile | undefined => {
    const desc = registry.get(symbol);
    if (desc) return desc.file;
    // A method or field name: look up its parent.
    const parent = symbol.slice(0, Math.max(0, symbol.lastIndexOf('.')));
    const owner = parent ? registry.get(parent) : undefined;
    return owner?.file;
  };

  type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;
  const answer = (req: Request) => {
    const mr = req.messageRequest;
    const fileResponse = (file: DescFile | undefined, what: string) =>
      file
        ? { case: 'fileDescriptorResponse' as const, value: { fileDescriptorProto: withDependencies(file).map(encode) } }
        : { case: 'errorResponse' as const, value: { errorCode: NOT_FOUND, errorMessage: `${what} not found` } };
    switch (mr.case) {
      case 'listServices':
        return { case: 'listServicesResponse' as const, value: { service: serviceNames.map((name) => ({ name })) } };
      case 'fileByFilename':
        return fileResponse(files.get(mr.value), `file ${mr.value}`);
      case 'fileContainingSymbol':
        return fileResponse(fileContainingSymbol(mr.value), `symbol ${mr.value}`);
      case 'fileContainingExtension':
      {
        const message = registry.getMessage(mr.value.containingType);
        const extension = message ? registry.getExtensionFor(message, mr.value.extensionNumber) : undefined;
        return fileResponse(extension?.file, `extension ${mr.value.extensionNumber} of ${mr.value.containingType}`);
      }
      case 'allExtensionNumbersOfType': {
        const message = registry.getMessage(mr.value);
        if (!message) return { case: 'errorResponse' as const, value: { errorCode: NOT_FOUND, errorMessage: `type ${mr.value} not found` } };
        // This service's contract defines no extensions.
        return { case: 'allExtensionNumbersResponse' as const, value: { baseTypeName: mr.value, extensionNumber: [] } };
      }
      default:
        return { case: 'errorResponse' as const, value: { errorCode: UNIMPLEMENTED, errorMessage: 'unsupported reflection request' } };
    }
  };

  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: answer(req) });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: answer(req) });
      }
    },
  });
}
