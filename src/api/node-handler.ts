import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';

/** The request handler shape connect-node produces and both node:http and node:http2 accept. */
export type NodeHandler = NonNullable<ConnectNodeAdapterOptions['fallback']>;
export type NodeRequest = Parameters<NodeHandler>[0];
export type NodeResponse = Parameters<NodeHandler>[1];
