import { createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';

export type TransportName = 'connect' | 'grpc-web';

const CREDENTIAL_KEY = 'image-console.credential';
const TRANSPORT_KEY = 'image-console.transport';

/** The service's origin: this page's, unless the page names another (a console hosted elsewhere). */
const serviceBaseUrl = document.querySelector<HTMLMetaElement>('meta[name="service-base-url"]')?.content || location.origin;

/** `?transport=grpc-web` or `?transport=connect` wins over the setting chosen in the page. */
export function transportName(): TransportName {
  const asked = new URLSearchParams(location.search).get('transport') ?? sessionStorage.getItem(TRANSPORT_KEY);
  return asked === 'grpc-web' ? 'grpc-web' : 'connect';
}

export function chooseTransport(name: TransportName): void {
  sessionStorage.setItem(TRANSPORT_KEY, name);
  const url = new URL(location.href);
  url.searchParams.delete('transport');
  history.replaceState(null, '', url);
  rebuild();
}

// The tab's session storage only: a credential never outlives the tab nor reaches other tabs.
export function credential(): string | null {
  return sessionStorage.getItem(CREDENTIAL_KEY);
}

export function setCredential(value: string | null): void {
  if (value) sessionStorage.setItem(CREDENTIAL_KEY, value);
  else sessionStorage.removeItem(CREDENTIAL_KEY);
}

const bearer: Interceptor = (next) => (req) => {
  const value = credential();
  if (value) req.header.set('authorization', `Bearer ${value}`);
  return next(req);
};

function transport(withCredential: boolean): Transport {
  const options = { baseUrl: serviceBaseUrl, useBinaryFormat: true, interceptors: withCredential ? [bearer] : [] };
  return transportName() === 'grpc-web' ? createGrpcWebTransport(options) : createConnectTransport(options);
}

export interface Api {
  images: Client<typeof ImageService>;
  processing: Client<typeof ProcessingService>;
  /** Without any credential: how the service answers an anonymous caller. */
  anonymous: Client<typeof ImageService>;
}

let current: Api;
function rebuild(): void {
  const t = transport(true);
  current = { images: createClient(ImageService, t), processing: createClient(ProcessingService, t), anonymous: createClient(ImageService, transport(false)) };
}
rebuild();

export function api(): Api {
  return current;
}
