import type http from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { createContextKey, createContextValues, type ContextValues } from '@connectrpc/connect';

/** The verified client certificate of a mutual-TLS connection: what an authenticator maps to a principal. */
export interface PeerIdentity {
  /** Subject distinguished name, most specific first, RFC 4514 style: `CN=billing,O=acme`. */
  subject: string;
  commonName: string | undefined;
  /** subjectAltName entries as OpenSSL writes them: `DNS:billing.internal`, `URI:spiffe://acme/billing`. */
  subjectAltNames: string[];
  /** Issuer distinguished name, in the same form as `subject`. */
  issuer: string;
  /** SHA-256 of the certificate, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint256: string;
  serialNumber: string;
  validTo: Date;
}

/** Where a call's connection can be found: a socket, an HTTP/2 session or stream, a request, or connect's context values. */
export type PeerSource = net.Socket | http2.Http2Session | http2.ServerHttp2Stream | http.IncomingMessage | http2.Http2ServerRequest | ContextValues;

const PEER = createContextKey<PeerIdentity | undefined>(undefined, { description: 'verified TLS client certificate' });
const cache = new WeakMap<object, PeerIdentity | null>();

/**
 * The verified client certificate behind a call, or undefined when the connection is plaintext, the
 * client sent no certificate, or it did not verify against TLS_CLIENT_CA_FILE. Interceptors pass the
 * call's `contextValues` (filled by `peerContextValues`); transport code passes what it holds.
 */
export function peerIdentity(from: PeerSource): PeerIdentity | undefined {
  if (isContextValues(from)) return from.get(PEER);
  const { key, socket } = locate(from);
  if ((socket as Partial<TLSSocket> | undefined)?.encrypted !== true) return undefined;
  const cached = cache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const identity = isVerifiedTls(socket!) ? fromCertificate(socket.getPeerCertificate()) : undefined;
  cache.set(key, identity ?? null);
  return identity;
}

/** Context values carrying the call's peer identity, for connect's `contextValues` option on either path. */
export function peerContextValues(from: PeerSource): ContextValues {
  return createContextValues().set(PEER, peerIdentity(from));
}

function isContextValues(from: PeerSource): from is ContextValues {
  return typeof (from as ContextValues).get === 'function' && typeof (from as ContextValues).set === 'function' && !('on' in from);
}

/**
 * The connection's socket, and the object to cache its identity on: for HTTP/2 the session, since its
 * `socket` is a proxy that the session hands out afresh.
 */
function locate(from: Exclude<PeerSource, ContextValues>): { key: object; socket: net.Socket | undefined } {
  let session: http2.Http2Session | undefined;
  if ('stream' in from && 'httpVersion' in from) session = from.stream.session;
  else if ('respond' in from && 'session' in from) session = from.session;
  else if ('goaway' in from && 'alpnProtocol' in from) session = from;
  if (session) return { key: session, socket: session.socket };
  const socket = 'headers' in from && 'socket' in from ? from.socket : (from as net.Socket);
  return { key: socket ?? from, socket: socket ?? undefined };
}

function isVerifiedTls(socket: net.Socket): socket is TLSSocket {
  const tls = socket as Partial<TLSSocket>;
  return tls.encrypted === true && tls.authorized === true && typeof tls.getPeerCertificate === 'function';
}

function fromCertificate(cert: PeerCertificate): PeerIdentity | undefined {
  // An empty object when the client sent none.
  if (!cert || !cert.subject || !cert.fingerprint256) return undefined;
  return {
    subject: distinguishedName(cert.subject),
    commonName: first(cert.subject.CN),
    subjectAltNames: cert.subjectaltname ? cert.subjectaltname.split(', ') : [],
    issuer: distinguishedName(cert.issuer),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    validTo: new Date(cert.valid_to),
  };
}

/** Node lists a name's attributes in certificate order (least specific first); RFC 4514 reverses it. */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [type, value] of Object.entries(name)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${type}=${escapeValue(String(v))}`);
  }
  return parts.reverse().join(',');
}

function escapeValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
