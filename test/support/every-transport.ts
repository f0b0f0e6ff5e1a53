import type tls from 'node:tls';
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';

/**
 * Every connect-node transport to one server, by name: gRPC, and Connect and gRPC-Web over HTTP/2 and
 * HTTP/1.1. `tlsOptions` (CA, server name, client certificate) go to each for an https baseUrl.
 */
export function everyTransport(baseUrl: string, tlsOptions: Pick<tls.ConnectionOptions, 'ca' | 'servername' | 'cert' | 'key'> = {}): Record<string, Transport> {
  const nodeOptions = tlsOptions;
  return {
    'gRPC (connect-node)': createGrpcTransport({ baseUrl, nodeOptions }),
    'Connect h2': createConnectTransport({ baseUrl, httpVersion: '2', nodeOptions }),
    'Connect h1': createConnectTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
    'gRPC-Web h2': createGrpcWebTransport({ baseUrl, httpVersion: '2', nodeOptions }),
    'gRPC-Web h1': createGrpcWebTransport({ baseUrl, httpVersion: '1.1', nodeOptions }),
  };
}
