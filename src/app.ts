import { setMaxListeners } from 'node:events';
import { createConnectRouter } from '@connectrpc/connect';
import { compressionBrotli, compressionGzip, connectNodeAdapter } from '@connectrpc/connect-node';
import { HealthCheckResponse_ServingStatus as Status } from '../gen/grpc/health/v1/health_pb.js';
import { errorInterceptor } from './api/error-interceptor.js';
import { grpcStreamHandler } from './api/grpc-stream-adapter.js';
import { filesHandler } from './api/files-handler.js';
import { HealthState } from './api/health.js';
import { listenOnePort, type OnePortServer } from './api/one-port-server.js';
import { routes, SERVED } from './api/routes.js';
import { withCors } from './api/with-cors.js';
import { withSpecGrpcMessage } from './api/grpc-message-encoding.js';
import type { Config } from './config.js';
import { WorkerPool } from './imaging/worker-pool.js';
import { createDatabase } from './persistence/create-database.js';
import type { Database } from './persistence/repositories.js';
import { AssetService } from './services/asset-service.js';
import { createGenerationService } from './services/create-generation-service.js';
import { DerivedImageService } from './services/derived-image-service.js';
import { PaletteService } from './services/palette-service.js';
import { AnalysisService } from './services/analysis-service.js';
import { RecolorService } from './services/recolor-service.js';
import { ProcessingService } from './services/processing-service.js';
import type { BlobStore } from './storage/blob-store.js';
import { createBlobStore } from './storage/create-blob-store.js';
import { startSweeps } from './services/start-sweeps.js';
import { UrlSigner } from './storage/url-signer.js';
import { urlSigningSecret } from './url-signing-secret.js';
import type { Logger } from './util/logger.js';

export interface App {
  server: OnePortServer;
  /** http://host:port of the listening server. */
  baseUrl: string;
  db: Database;
  blobs: BlobStore;
  pool: WorkerPool;
  health: HealthState;
  /** Graceful stop: NOT_SERVING, drain in-flight calls within the grace period, then close everything. */
  close(): Promise<void>;
}

/** The composition root: builds stores, pool, cores and the one-port server from the config. */
export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const db = await createDatabase({
    databaseUrl: config.databaseUrl,
    poolMin: config.dbPoolMin,
    poolMax: config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    logger: { warn: (message) => logger.warn({ component: 'database' }, message) },
  });
  const blobs = await createBlobStore(config);
  const pool = new WorkerPool({
    threads: config.pool.threads,
    maxConcurrentOperations: config.pool.maxConcurrentOperations,
    maxPixelsInFlight: config.pool.maxPixelsInFlight,
    maxQueue: config.pool.maxQueue,
    operationTimeoutMs: config.pool.operationTimeoutMs,
    maxInputPixels: config.limits.maxInputPixels,
    maxOutputDimension: config.limits.maxOutputDimension,
    avifBudgetMs: config.limits.avifBudgetMs,
    onOperation: (op) => logger.debug(op, 'image operation'),
  });
  const signer = new UrlSigner(await urlSigningSecret(config.urlSigningSecret, config.dataDir));
  let baseUrl = '';
  const assets = new AssetService({
    db,
    blobs,
    images: pool,
    signer,
    publicBaseUrl: () => config.publicBaseUrl ?? baseUrl,
    limits: { maxUploadBytes: config.limits.maxUploadBytes, maxMetadataBytes: config.limits.maxMetadataBytes },
    urls: { defaultExpirySeconds: config.urlDefaultExpirySeconds, maxExpirySeconds: config.urlMaxExpirySeconds },
  });

  const derived = new DerivedImageService({ assets, db, images: pool });
  const health = new HealthState(SERVED.map((s) => s.typeName));
  const shutdown = new AbortController();
  // connect adds one listener per call to this signal; many concurrent calls are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  let serving = true;
  const serviceRoutes = routes(
    {
      assets,
      derived,
      palettes: new PaletteService({ assets, db, images: pool }),
      recolor: new RecolorService({ derived, db, images: pool, concurrencyPerRequest: config.pool.maxConcurrentOperations }),
      analysis: new AnalysisService({ images: pool }),
      generation: createGenerationService(config.generation, {
        assets,
        images: pool,
        maxOutputDimension: config.limits.maxOutputDimension,
        maxUploadBytes: config.limits.maxUploadBytes,
        logger,
      }),
      processing: new ProcessingService({ images: pool, cacheMaxBytes: config.cacheMaxBytes, concurrencyPerRequest: config.pool.maxConcurrentOperations }),
      maxUploadBytes: config.limits.maxUploadBytes,
      maxOutputDimension: config.limits.maxOutputDimension,
      maxVariations: config.limits.maxVariations,
      maxInputPixels: config.limits.maxInputPixels,
      maxCompositeLayers: config.limits.maxCompositeLayers,
    },
    health,
  );
  const routerOptions = {
    interceptors: [errorInterceptor(logger)],
    readMaxBytes: config.limits.maxMessageBytes,
    writeMaxBytes: config.limits.maxMessageBytes,
    shutdownSignal: shutdown.signal,
    // Image bytes barely compress (measured: 7% on a JPEG) and gzip costs CPU on both ends; requests
    // that arrive compressed are still accepted.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    // connect-node's adapter default, set here so both routers below accept the same encodings.
    acceptCompression: [compressionGzip, compressionBrotli],
  };
  // Two entry points onto the same service implementations: gRPC over HTTP/2 straight from the stream
  // (see grpc-stream-adapter.ts), everything else (Connect, gRPC-Web, HTTP/1.1, /files) through the adapter.
  const handler = connectNodeAdapter({ ...routerOptions, routes: serviceRoutes, fallback: filesHandler(assets, () => serving, logger) });
  const grpcRouter = createConnectRouter(routerOptions);
  serviceRoutes(grpcRouter);
  const streamHandler = grpcStreamHandler(grpcRouter.handlers, (error) => logger.warn({ err: String(error) }, 'gRPC stream failed'), {
    readMaxBytes: routerOptions.readMaxBytes,
  });
  const server = await listenOnePort(withCors(withSpecGrpcMessage(handler), config.corsOrigins), {
    streamHandler,
    host: config.host,
    port: config.port,
    // Room for a few maximal messages in flight on one HTTP/2 connection.
    maxStreamsPerConnection: config.limits.maxStreamsPerConnection,
    maxSessionMemoryMb: Math.max(64, Math.ceil((config.limits.maxMessageBytes * 4) / (1024 * 1024))),
  });
  const urlHost = server.host.includes(':') ? `[${server.host}]` : server.host;
  baseUrl = `http://${urlHost === '0.0.0.0' || urlHost === '[::]' ? '127.0.0.1' : urlHost}:${server.port}`;

  const sweeps = startSweeps({ blobs, references: db.blobReferences }, config, logger);

  let closing: Promise<void> | undefined;
  return {
    server,
    baseUrl,
    db,
    blobs,
    pool,
    health,
    close() {
      closing ??= (async () => {
        serving = false;
        sweeps.stop();
        health.setAllNotServing();
        const forced = setTimeout(() => shutdown.abort(), config.shutdownGraceMs);
        await server.close(config.shutdownGraceMs);
        clearTimeout(forced);
        shutdown.abort();
        await pool.close();
        await db.close();
        await blobs.close();
      })();
      return closing;
    },
  };
}

export { Status as ServingStatus };
