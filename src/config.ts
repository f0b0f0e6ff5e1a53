import { availableParallelism } from 'node:os';
import path from 'node:path';
import { loadAuthConfig, type AuthConfig } from './auth/auth-config.js';
import { loadGenerationConfig, type GenerationConfig } from './generation/generation-config.js';
import { bool, configError, int, str, type Env } from './config-env.js';
import { loadDeliveryConfig, type DeliveryConfig } from './delivery/delivery-config.js';
import { loadObserveConfig, type ObserveConfig } from './observe/observe-config.js';

/**
 * Every setting, read from the environment with an embedded default, and validated once at start so a
 * bad value stops the service with a message naming the variable instead of failing later.
 */
export interface Config {
  host: string;
  port: number;
  /** Base of signed /files URLs; default http://HOST:PORT. */
  publicBaseUrl: string | undefined;
  dataDir: string;
  /** sqlite:<file> (default <DATA_DIR>/images.db) or mysql://user:pass@host:port/db. */
  databaseUrl: string;
  dbPoolMin: number;
  dbPoolMax: number;
  /** How long a database connection attempt (or a wait for a pooled one) may take. */
  dbConnectTimeoutMs: number;
  /** Local blob folder (when Azure is not configured). */
  blobDir: string;
  azure: {
    connectionString: string | undefined;
    accountName: string | undefined;
    accountKey: string | undefined;
    /** Blob endpoint with account name and key; default https://<account>.blob.core.windows.net. */
    endpoint: string | undefined;
    container: string;
    cdnBaseUrl: string | undefined;
  };
  /**
   * HMAC keys for /files URLs, newest first: the first signs, every one verifies (rotation). From
   * URL_SIGNING_SECRETS or URL_SIGNING_SECRET; empty means URL_SIGNING_KEY_FILE, else a random key
   * kept in <DATA_DIR>/url-signing.key.
   */
  urlSigningSecrets: string[];
  /** A file with one key per line, newest first (a mounted secret); read at start. */
  urlSigningKeyFile: string | undefined;
  urlDefaultExpirySeconds: number;
  urlMaxExpirySeconds: number;
  limits: {
    /** Largest single gRPC/Connect message, bytes. */
    maxMessageBytes: number;
    /** Largest image accepted by UploadImageStream, bytes. */
    maxUploadBytes: number;
    /** Largest user metadata, bytes of JSON. */
    maxMetadataBytes: number;
    /** Largest decoded image, width x height. */
    maxInputPixels: number;
    /**
     * Largest image a pipeline may make, width x height: every resize, crop, contain padding, composite
     * canvas and generated size is planned before any work and refused over it.
     */
    maxOutputPixels: number;
    /** Stored image bytes one request may read (CreateComposite's stored layers, GetImage's include_data). */
    maxReadBytesPerRequest: number;
    /** Bytes held at once by streamed uploads still arriving, across all streams. */
    maxUploadBytesInFlight: number;
    /** Most `.cube` LUT transformations in one request. */
    maxLutsPerRequest: number;
    /** Largest `.cube` LUT text, bytes. */
    maxLutBytes: number;
    /** Largest SVG input, bytes: every SVG is sanitised as a document before it is decoded or stored. */
    maxSvgBytes: number;
    /** Elements an SVG may draw, each reference drawn as often as it is referenced. */
    maxSvgElements: number;
    /** Nesting of an SVG's elements, the root counting as one. */
    maxSvgDepth: number;
    /** Largest side of an image the service produces. */
    maxOutputDimension: number;
    /** Most configurations in one ProcessingService.GenerateVariations request. */
    maxVariations: number;
    /** Items of one ProcessBatch stream held at once (read, processing, or waiting to be sent). */
    maxBatchInFlight: number;
    /** Items one ProcessBatch stream may carry. */
    maxBatchItems: number;
    /** Concurrent HTTP/2 streams per connection (bounds the request bodies one client holds). */
    maxStreamsPerConnection: number;
    /** Most layers in one CreateComposite request. */
    maxCompositeLayers: number;
    /** Estimated AVIF encoder time one request may take; higher efforts are refused or lowered to fit. */
    avifBudgetMs: number;
  };
  pool: {
    /** Worker threads running sharp. */
    threads: number;
    /** Operations running at once in the pool. */
    maxConcurrentOperations: number;
    /** Declared input pixels of the operations running at once (one larger image runs alone). */
    maxPixelsInFlight: number;
    /** Operations waiting; beyond it calls fail at once with RESOURCE_EXHAUSTED. */
    maxQueue: number;
    /** Ceiling on one operation, whatever the client's deadline. */
    operationTimeoutMs: number;
  };
  /** Result cache bound, bytes. */
  cacheMaxBytes: number;
  shutdownGraceMs: number;
  /** Blobs in the store that the database does not know are removed once older than this. */
  orphanGraceSeconds: number;
  /** Run the full sweep (it lists the store) every this many seconds in the service; 0 = never (use `npm run sweep`). */
  orphanSweepIntervalSeconds: number;
  /** Blobs whose last image was deleted are removed once unreferenced for this long. */
  unreferencedGraceSeconds: number;
  /** Run the sweep of unreferenced blobs (an indexed query) every this many seconds; 0 = never. */
  unreferencedSweepIntervalSeconds: number;
  /** The one port's connection limits. */
  connections: {
    /** A connection that has not sent a whole request's headers (or the HTTP/2 preface) by then is closed. */
    headersTimeoutMs: number;
    /** HTTP/1.1 keep-alive between requests, and HTTP/2 with no open stream, closes after this long idle. */
    idleTimeoutMs: number;
    /** An HTTP/2 connection silent for idleTimeoutMs with streams open is pinged; no answer by then closes it. */
    pingTimeoutMs: number;
    /** Open connections; more are closed as soon as they are accepted. */
    maxConnections: number;
    /** Request body bytes held by calls in progress, across all connections. */
    maxBufferedBytes: number;
  };
  /** TLS on the one port; plaintext (h2c and HTTP/1.1) when unset. */
  tls: TlsConfig | undefined;
  /** Serve SVG from /files inline (as an image a page can embed) instead of as an attachment. */
  svgInline: boolean;
  /** The web console's built files, served at `/` (CONSOLE_DIR, default web/dist). */
  consoleDir: string;
  /** Origins allowed to call from a browser; ["*"] for any. Default any in development mode, else none. */
  corsOrigins: string[];
  /** Authentication mode and methods, reflection access and per-caller limits. */
  auth: AuthConfig;
  /** Derivatives by URL: presets and the result cache. */
  delivery: DeliveryConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Generation models (GENERATION_MODELS and provider variables), default model, timeouts and retries. */
  generation: GenerationConfig;
  /** Metrics (METRICS_HOST, METRICS_PORT) and traces (OTEL_EXPORTER_OTLP_ENDPOINT, ...). */
  observe: ObserveConfig;
}





interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** Client certificates must chain to these CAs (mutual TLS). */
  clientCaFile: string | undefined;
  /** 'require': no connection without a verified client certificate; 'optional': a certificate, when sent, must verify. */
  clientAuth: 'require' | 'optional';
  /** How often the files are checked for a change (SIGHUP reloads at once). */
  reloadPollMs: number;
}

/** Shortest HMAC key accepted for signed URLs: 256 bits, SHA-256's own strength. */
const MIN_SIGNING_KEY_BYTES = 32;

/** Every signing key long enough; the message says where a short key is and its length, never the key. */
export function checkSigningKeys(variable: string, keys: readonly string[], where = ''): void {
  keys.forEach((key, i) => {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes < MIN_SIGNING_KEY_BYTES) throw configError(variable, `keys of at least ${MIN_SIGNING_KEY_BYTES} bytes`, `${where}key ${i + 1} of ${keys.length}: ${bytes} bytes`);
  });
}

export function loadConfig(env: Env = process.env): Config {
  const cores = availableParallelism();
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? './data');
  const databaseUrl = str(env, 'DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'images.db')}`;
  if (!/^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(databaseUrl)) {
    throw configError('DATABASE_URL', 'sqlite:<file> or mysql://user:password@host:port/database', databaseUrl);
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw configError('LOG_LEVEL', 'one of debug, info, warn, error, silent', logLevel);
  }
  const threads = int(env, 'WORKER_THREADS', cores, 1, 256);
  const host = str(env, 'HOST') ?? '127.0.0.1';
  const auth = loadAuthConfig(env, host);
  const maxInputPixels = int(env, 'MAX_INPUT_PIXELS', 100_000_000, 1, 2 ** 32);
  const maxOutputDimension = int(env, 'MAX_OUTPUT_DIMENSION', 16_384, 1, 65_535);
  const maxUploadBytes = int(env, 'MAX_UPLOAD_BYTES', 256 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER);
  // Two per thread: one sharp pipeline leaves its core idle part of the time (its stages hand work
  // between the libuv and libvips threads), so one per thread left about a tenth of the CPU unused on
  // small images (bench, 2 cores: thumbnails 86 -> 96 images/s with 4 in flight).
  const maxConcurrentOperations = int(env, 'MAX_CONCURRENT_OPERATIONS', 2 * threads, 1, 4096);
  const config: Config = {
    host,
    port: int(env, 'PORT', 50051, 0, 65535),
    publicBaseUrl: str(env, 'PUBLIC_BASE_URL')?.replace(/\/+$/, ''),
    dataDir,
    databaseUrl,
    dbPoolMin: int(env, 'DB_POOL_MIN', 0, 0, 1000),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1, 1000),
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
    blobDir: path.resolve(str(env, 'BLOB_DIR') ?? path.join(dataDir, 'blobs')),
    azure: {
      connectionString: str(env, 'AZURE_STORAGE_CONNECTION_STRING'),
      accountName: str(env, 'AZURE_STORAGE_ACCOUNT'),
      accountKey: str(env, 'AZURE_STORAGE_KEY'),
      endpoint: str(env, 'AZURE_STORAGE_BLOB_ENDPOINT'),
      container: str(env, 'AZURE_STORAGE_CONTAINER') ?? 'images',
      cdnBaseUrl: str(env, 'CDN_BASE_URL')?.replace(/\/+$/, ''),
    },
    urlSigningSecrets: signingSecrets(env),
    urlSigningKeyFile: str(env, 'URL_SIGNING_KEY_FILE'),
    urlDefaultExpirySeconds: int(env, 'URL_DEFAULT_EXPIRY_SECONDS', 3600, 1, 31_536_000),
    urlMaxExpirySeconds: int(env, 'URL_MAX_EXPIRY_SECONDS', 7 * 24 * 3600, 1, 31_536_000),
    limits: {
      maxMessageBytes: int(env, 'MAX_MESSAGE_BYTES', 32 * 1024 * 1024, 1024, 2 ** 31 - 1),
      maxUploadBytes,
      maxMetadataBytes: int(env, 'MAX_METADATA_BYTES', 64 * 1024, 0, 16 * 1024 * 1024),
      maxInputPixels,
      maxOutputPixels: int(env, 'MAX_OUTPUT_PIXELS', maxInputPixels, 1, 2 ** 32),
      // A stored image of the largest upload can always be read; 32 of them under one request cannot.
      maxReadBytesPerRequest: int(env, 'MAX_READ_BYTES_PER_REQUEST', maxUploadBytes, 1024, Number.MAX_SAFE_INTEGER),
      maxUploadBytesInFlight: int(env, 'MAX_UPLOAD_BYTES_IN_FLIGHT', 2 * maxUploadBytes, 1024, Number.MAX_SAFE_INTEGER),
      maxLutsPerRequest: int(env, 'MAX_LUTS_PER_REQUEST', 4, 0, 256),
      // A 65-point LUT (the largest the format allows) written with 10 digits a value is about 10 MB.
      maxLutBytes: int(env, 'MAX_LUT_BYTES', 16 * 1024 * 1024, 1024, 2 ** 31 - 1),
      // The sanitiser builds a DOM of the whole document; about a second of a worker per MB of SVG.
      maxSvgBytes: int(env, 'MAX_SVG_BYTES', 2 * 1024 * 1024, 1024, 2 ** 31 - 1),
      // librsvg cannot be stopped once it renders: at 100,000 elements drawn its slowest case measured
      // (filters drawing other elements through feImage) takes about 1.5 s.
      maxSvgElements: int(env, 'MAX_SVG_ELEMENTS', 100_000, 1, 10_000_000),
      // librsvg refuses to render past 50 nested layers, and libxml2 to parse past 256.
      maxSvgDepth: int(env, 'MAX_SVG_DEPTH', 50, 1, 256),
      maxOutputDimension,
      maxVariations: int(env, 'MAX_VARIATIONS', 16, 1, 256),
      // As many as the pool runs at once: one stream can keep every slot busy, and no more than a
      // GenerateVariations request may take.
      maxBatchInFlight: int(env, 'MAX_BATCH_IN_FLIGHT', maxConcurrentOperations, 1, 4096),
      maxBatchItems: int(env, 'MAX_BATCH_ITEMS', 10_000, 1, 100_000_000),
      maxStreamsPerConnection: int(env, 'MAX_STREAMS_PER_CONNECTION', 8, 1, 10_000),
      maxCompositeLayers: int(env, 'MAX_COMPOSITE_LAYERS', 32, 1, 1000),
      avifBudgetMs: int(env, 'AVIF_ENCODE_BUDGET_MS', 15_000, 100, 3_600_000),
    },
    pool: {
      threads,
      maxConcurrentOperations,
      // Each one in flight also holds its decoded image, so large ones are bounded by their pixels too:
      // 32 concurrent 18 MP requests peaked at 1019 MiB with 4 in flight, 830 MiB with 3, 768 MiB with 2.
      // 30 MP per thread lets 3 such photos (or 4 of up to 15 MP) run at once on 2 threads.
      maxPixelsInFlight: int(env, 'MAX_PIXELS_IN_FLIGHT', 30_000_000 * threads, 1, Number.MAX_SAFE_INTEGER),
      maxQueue: int(env, 'MAX_QUEUE', 64, 0, 100_000),
      operationTimeoutMs: int(env, 'OPERATION_TIMEOUT_MS', 60_000, 100, 3_600_000),
    },
    cacheMaxBytes: int(env, 'CACHE_MAX_BYTES', 256 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    orphanGraceSeconds: int(env, 'ORPHAN_GRACE_SECONDS', 3600, 0, 31_536_000),
    orphanSweepIntervalSeconds: int(env, 'ORPHAN_SWEEP_INTERVAL_SECONDS', 0, 0, 31_536_000),
    unreferencedGraceSeconds: int(env, 'UNREFERENCED_GRACE_SECONDS', 60, 0, 31_536_000),
    unreferencedSweepIntervalSeconds: int(env, 'UNREFERENCED_SWEEP_INTERVAL_SECONDS', 60, 0, 31_536_000),
    connections: {
      headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 30_000, 100, 600_000),
      // Longer than the 60 s idle timeout of common load balancers, so they, not we, close an idle
      // keep-alive connection (the other way round races a request against the close).
      idleTimeoutMs: int(env, 'IDLE_TIMEOUT_MS', 65_000, 100, 3_600_000),
      pingTimeoutMs: int(env, 'PING_TIMEOUT_MS', 20_000, 100, 600_000),
      maxConnections: int(env, 'MAX_CONNECTIONS', 4096, 1, 1_000_000),
      maxBufferedBytes: int(env, 'MAX_BUFFERED_BYTES', 512 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    },
    tls: tlsConfig(env),
    svgInline: bool(env, 'SVG_INLINE', false),
    consoleDir: str(env, 'CONSOLE_DIR') ?? 'web/dist',
    corsOrigins: (str(env, 'CORS_ORIGINS') ?? (auth.mode === 'development' ? '*' : '')).split(',').map((o) => o.trim()).filter(Boolean),
    auth,
    logLevel: logLevel as Config['logLevel'],
    generation: loadGenerationConfig(env),
    observe: loadObserveConfig(env),
    delivery: loadDeliveryConfig(env, maxOutputDimension),
  };
  if (config.urlDefaultExpirySeconds > config.urlMaxExpirySeconds) {
    throw configError('URL_DEFAULT_EXPIRY_SECONDS', `at most URL_MAX_EXPIRY_SECONDS (${config.urlMaxExpirySeconds})`, String(config.urlDefaultExpirySeconds));
  }
  if (config.azure.accountName && !config.azure.accountKey && !config.azure.connectionString) {
    throw configError('AZURE_STORAGE_KEY', 'the account key that goes with AZURE_STORAGE_ACCOUNT', '');
  }
  if (config.limits.maxUploadBytesInFlight < config.limits.maxUploadBytes) {
    throw configError('MAX_UPLOAD_BYTES_IN_FLIGHT', `at least MAX_UPLOAD_BYTES (${config.limits.maxUploadBytes})`, String(config.limits.maxUploadBytesInFlight));
  }
  if (config.dbPoolMin > config.dbPoolMax) {
    throw configError('DB_POOL_MIN', `at most DB_POOL_MAX (${config.dbPoolMax})`, String(config.dbPoolMin));
  }
  if (config.connections.maxBufferedBytes < config.limits.maxMessageBytes) {
    throw configError('MAX_BUFFERED_BYTES', `at least MAX_MESSAGE_BYTES (${config.limits.maxMessageBytes}), or no message that size could be received`, String(config.connections.maxBufferedBytes));
  }
  return config;
}

/** URL_SIGNING_SECRETS (comma-separated, newest first) or URL_SIGNING_SECRET, each long enough. */
function signingSecrets(env: Env): string[] {
  const sources = ['URL_SIGNING_SECRETS', 'URL_SIGNING_SECRET', 'URL_SIGNING_KEY_FILE'].filter((name) => str(env, name) !== undefined);
  if (sources.length > 1) throw configError(sources[1], `unset when ${sources[0]} is set (one source of signing keys)`, '<set>');
  const name = sources[0];
  if (name === undefined || name === 'URL_SIGNING_KEY_FILE') return [];
  const keys = name === 'URL_SIGNING_SECRETS' ? str(env, name)!.split(',').map((k) => k.trim()) : [str(env, name)!];
  checkSigningKeys(name, keys);
  return keys;
}

function tlsConfig(env: Env): TlsConfig | undefined {
  const certFile = str(env, 'TLS_CERT_FILE');
  const keyFile = str(env, 'TLS_KEY_FILE');
  const clientCaFile = str(env, 'TLS_CLIENT_CA_FILE');
  const clientAuth = str(env, 'TLS_CLIENT_AUTH') ?? 'require';
  if (!['require', 'optional'].includes(clientAuth)) throw configError('TLS_CLIENT_AUTH', 'require or optional', clientAuth);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) throw configError('TLS_CLIENT_CA_FILE', 'unset without TLS_CERT_FILE and TLS_KEY_FILE (mutual TLS needs TLS)', clientCaFile);
    return undefined;
  }
  if (certFile === undefined) throw configError('TLS_CERT_FILE', 'the certificate (PEM) that goes with TLS_KEY_FILE', '');
  if (keyFile === undefined) throw configError('TLS_KEY_FILE', 'the private key (PEM) that goes with TLS_CERT_FILE', '');
  return {
    certFile: path.resolve(certFile),
    keyFile: path.resolve(keyFile),
    clientCaFile: clientCaFile === undefined ? undefined : path.resolve(clientCaFile),
    clientAuth: clientAuth as TlsConfig['clientAuth'],
    reloadPollMs: int(env, 'TLS_RELOAD_POLL_MS', 10_000, 100, 3_600_000),
  };
}
