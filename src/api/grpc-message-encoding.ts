import type { NodeHandler, NodeResponse } from './node-handler.js';

/**
 * connect-node percent-encodes `grpc-message` with encodeURIComponent, but @grpc/grpc-js decodes it
 * with decodeURI, which leaves `%3A`, `%2C` and the like in place: internal services would read
 * "image_id%3A expected ...". The gRPC spec asks only for bytes outside 0x20-0x7E and '%' to be
 * encoded, which every decoder handles, so the header is re-encoded that way on its way out. A space
 * at either end is encoded too: HTTP/2 forbids a field value that starts or ends with whitespace, and
 * Node's client drops such a header, so the caller would get the code with an empty message.
 */
export function specEncode(message: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(message);
  } catch {
    return message;
  }
  const bytes = Buffer.from(decoded, 'utf8');
  let out = '';
  bytes.forEach((byte, i) => {
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !(byte === 0x20 && (i === 0 || i === bytes.length - 1));
    out += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  });
  return out;
}

function fix(headers: unknown): void {
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    const h = headers as Record<string, unknown>;
    if (typeof h['grpc-message'] === 'string') h['grpc-message'] = specEncode(h['grpc-message']);
  }
}

export function withSpecGrpcMessage(handler: NodeHandler): NodeHandler {
  return (req, res: NodeResponse) => {
    const contentType = req.headers['content-type'];
    if (typeof contentType === 'string' && contentType.startsWith('application/grpc') && !contentType.startsWith('application/grpc-web')) {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => unknown;
      const addTrailers = res.addTrailers.bind(res) as (headers: unknown) => void;
      (res as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
        fix(args[1]);
        return writeHead(...args);
      };
      (res as { addTrailers: unknown }).addTrailers = (headers: unknown) => {
        fix(headers);
        addTrailers(headers);
      };
    }
    handler(req, res);
  };
}
