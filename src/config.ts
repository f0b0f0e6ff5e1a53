import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AppError } from './errors/index.js';
import { loadGenerationConfig, type GenerationConfig } from './generation/generation-config.js';
import { configError, int, str, type Env } from './config-env.js';

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
  /** HMAC key for /files URLs; default a random key kept in <DATA_DIR>/url-signing.key. */
  urlSigningSecret: string | undefined;
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
    /** Largest side of an image the service produces. */
    maxOutputDimension: number;
    /** Most configurations in one ProcessingService.GenerateVariations request. */
    maxVariations: number;
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
  /** Origins allowed to call from a browser; ["*"] for any. */
  corsOrigins: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Generation models (GENERATION_MODELS and provider variables), default model, timeouts and retries. */
  generation: GenerationConfig;
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
  const config: Config = {
    host: str(env, 'HOST') ?? '127.0.0.1',
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
    urlSigningSecret: str(env, 'URL_SIGNING_SECRET'),
    urlDefaultExpirySeconds: int(env, 'URL_DEFAULT_EXPIRY_SECONDS', 3600, 1, 31_536_000),
    urlMaxExpirySeconds: int(env, 'URL_MAX_EXPIRY_SECONDS', 7 * 24 * 3600, 1, 31_536_000),
    limits: {
      maxMessageBytes: int(env, 'MAX_MESSAGE_BYTES', 32 * 1024 * 1024, 1024, 2 ** 31 - 1),
      maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 256 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
      maxMetadataBytes: int(env, 'MAX_METADATA_BYTES', 64 * 1024, 0, 16 * 1024 * 1024),
      maxInputPixels: int(env, 'MAX_INPUT_PIXELS', 100_000_000, 1, 2 ** 32),
      maxOutputDimension: int(env, 'MAX_OUTPUT_DIMENSION', 16_384, 1, 65_535),
      maxVariations: int(env, 'MAX_VARIATIONS', 16, 1, 256),
      maxStreamsPerConnection: int(env, 'MAX_STREAMS_PER_CONNECTION', 8, 1, 10_000),
      maxCompositeLayers: int(env, 'MAX_COMPOSITE_LAYERS', 32, 1, 1000),
      avifBudgetMs: int(env, 'AVIF_ENCODE_BUDGET_MS', 15_000, 100, 3_600_000),
    },
    pool: {
      threads,
      // Two per thread: one sharp pipeline leaves its core idle part of the time (its stages hand work
      // between the libuv and libvips threads), so one per thread left about a tenth of the CPU unused on
      // small images (bench, 2 cores: thumbnails 86 -> 96 images/s with 4 in flight).
      maxConcurrentOperations: int(env, 'MAX_CONCURRENT_OPERATIONS', 2 * threads, 1, 4096),
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
    corsOrigins: (str(env, 'CORS_ORIGINS') ?? '*').split(',').map((o) => o.trim()).filter(Boolean),
    logLevel: logLevel as Config['logLevel'],
    generation: loadGenerationConfig(env),
  };
  if (config.urlDefaultExpirySeconds > config.urlMaxExpirySeconds) {
    throw configError('URL_DEFAULT_EXPIRY_SECONDS', `at most URL_MAX_EXPIRY_SECONDS (${config.urlMaxExpirySeconds})`, String(config.urlDefaultExpirySeconds));
  }
  if (config.azure.accountName && !config.azure.accountKey && !config.azure.connectionString) {
    throw configError('AZURE_STORAGE_KEY', 'the account key that goes with AZURE_STORAGE_ACCOUNT', '');
  }
  if (config.dbPoolMin > config.dbPoolMax) {
    throw configError('DB_POOL_MIN', `at most DB_POOL_MAX (${config.dbPoolMax})`, String(config.dbPoolMin));
  }
  return config;
}
