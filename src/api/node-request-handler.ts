import { Code, ConnectError, type ContextValues } from '@connectrpc/connect';
import { uResponseNotFound, type UniversalHandler } from '@connectrpc/connect/protocol';
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from '@connectrpc/connect-node';
import type { NodeHandler, NodeRequest } from './node-handler.js';

export interface NodeRequestHandlerOptions {
  /** Answers every path that is not an RPC; by default 404. */
  fallback?: NodeHandler;
  /** The call's context values, from its request (connect-node's option of the same name). */
  contextValues?: (req: NodeRequest) => ContextValues;
  /** A call whose response could not be written, for a client that is still there. */
  onError?: (error: unknown, handler: UniversalHandler) => void;
}

/**
 * Connect, gRPC-Web, and gRPC over HTTP/1.1 through Node's request/response objects, from the router's
 * handlers: connect-node's connectNodeAdapter, which builds a router of its own, minus that router.
 */
export function nodeRequestHandler(handlers: readonly UniversalHandler[], options: NodeRequestHandlerOptions = {}): NodeHandler {
  const byPath = new Map(handlers.map((h) => [h.requestPath, h]));
  const fallback = options.fallback ?? notFound;
  return (req, res) => {
    // The query string (Connect GET requests carry the message there) is not part of the path.
    const handler = byPath.get(req.url?.split('?', 2)[0] ?? '');
    if (!handler) {
      fallback(req, res);
      return;
    }
    const request = universalRequestFromNodeRequest(req, res, undefined, options.contextValues?.(req));
    handler(request)
      .then((response) => universalResponseToNodeResponse(response, res))
      .catch((error: unknown) => {
        // Aborted: the client went away mid-response; nothing to answer and nothing wrong here.
        if (ConnectError.from(error).code !== Code.Aborted) options.onError?.(error, handler);
      });
  };
}

const notFound: NodeHandler = (_req, res) => {
  res.writeHead(uResponseNotFound.status);
  res.end();
};
