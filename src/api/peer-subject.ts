import type { ContextValues } from '@connectrpc/connect';

/**
 * The subject of the call's verified TLS client certificate (e.g. "CN=svc-a,O=Example"), or undefined
 * without one. The transport layer that terminates TLS provides it from the call's context values;
 * authentication only maps it to a principal (MTLS_PRINCIPALS).
 */
export type PeerSubjectOf = (values: ContextValues) => string | undefined;
