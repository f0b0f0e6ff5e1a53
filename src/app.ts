import { setMaxListeners } from 'node:events';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import { createRouter } from './api/create-router.js';
import { authInterceptors } from './api/auth-interceptors.js';
import { peerIdentity } from './api/peer-identity.js';
import { grpcStreamHandler } from './api/grpc-stream-adapter.js';
import { interceptors } from './api/interceptors.js';
import { nodeRequestHandler } from './api/node-request-handler.js';
import { filesHandler } from './api/files-handler.js';
import { consoleHandler } from './api/console-handler.js';
import { HealthState } from './api/health.js';
import { listenOnePort, type OnePortServer } from './api/one-port-server.js';
import { peerContextValues } from './api/peer-identity.js';
import { bodyAccountOf, RequestByteBudget, requestBodyAccount, withRequestByteBudget } from './api/request-byte-budget.js';
import { routes, SERVED } from './api/routes.js';
import { withCors } from './api/with-cors.js';
import { withSpecGrpcMessage } from './api/grpc-message-encoding.js';
import type { Config } from './config.js';
import { WorkerPool } from './imaging/worker-pool.js';
import { observeCalls } from './observe/observe-calls.js';
import { startTelemetry } from './observe/start-telemetry.js';
import { createDatabase } from './persistence/create-database.js';
import type { Database } from './persistence/repositories.js';
import { AssetService } from './services/asset-service.js';
import { createGenerationService } from './services/create-generation-service.js';
import { DerivedImageService } from './services/derived-image-service.js';
import { DerivativeCache } from './services/derivative-cache.js';
import { DerivativeService } from './services/derivative-service.js';
import { RecentSources } from './services/recent-sources.js';
import { derivativesHandler } from './api/derivatives-handler.js';
import { PaletteService } from './services/palette-service.js';
import { AnalysisService } from './services/analysis-service.js';
import { RecolorService } from './services/recolor-service.js';
import { ProcessingService } from './services/processing-service.js';
import type { BlobStore } from './storage/blob-store.js';
import { createBlobStore } from './storage/create-blob-store.js';
import { startSweeps } from './services/start-sweeps.js';
import { UrlSigner } from './storage/url-signer.js';
import { urlSigningSecrets } from './url-signing-secret.js';
import { ByteBudget } from './util/byte-budget.js';
import type { Logger } from './util/logger.js';

export interface App {
  server: OnePortServer;
  /** http://host:port of the listening server. */
  baseUrl: string;
  db: Database;
  blobs: BlobStore;
  pool: WorkerPool;
  health: HealthState;
  /** http://host:port/metrics when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** Graceful stop: NOT_SERVING, drain in-flight calls within the grace period, then close everything. */
  close(): Promise<void>;
}

/** The composition root: builds stores, pool, cores and the one-port server from the config. */
export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const telemetry = await startTelemetry(config.observe, logger);
  const { observer } = telemetry;
  const database = await createDatabase({
    databaseUrl: config.databaseUrl,
    poolMin: config.dbPoolMin,
    poolMax: config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    logger: { warn: (message) => logger.warn({ component: 'database' }, message) },
  });
  const blobStore = await createBlobStore(config);
  // Every database and blob-store call, timed and traced in one place rather than in each repository.
  const db = observer ? observeCalls(database, 'database', observer) : database;
  const blobs = observer ? observeCalls(blobStore, 'blob', observer) : blobStore;
  const pool = new WorkerPool({
    threads: config.pool.threads,
    maxConcurrentOperations: config.pool.maxConcurrentOperations,
    maxPixelsInFlight: config.pool.maxPixelsInFlight,
    maxQueue: config.pool.maxQueue,
    operationTimeoutMs: config.pool.operationTimeoutMs,
    maxInputPixels: config.limits.maxInputPixels,
    maxOutputPixels: config.limits.maxOutputPixels,
    maxOutputDimension: config.limits.maxOutputDimension,
    maxSvgBytes: config.limits.maxSvgBytes,
    maxSvgElements: config.limits.maxSvgElements,
    maxSvgDepth: config.limits.maxSvgDepth,
    avifBudgetMs: config.limits.avifBudgetMs,
    onOperation: (op) => {
      logger.debug(op, 'image operation');
      observer?.poolOperation(op);
    },
  });
  observer?.watchPool(() => pool.stats(), config.pool.maxConcurrentOperations);
  const signer = new UrlSigner(await urlSigningSecrets({ secrets: config.urlSigningSecrets, keyFile: config.urlSigningKeyFile, dataDir: config.dataDir }));
  let baseUrl = '';
  const sources = new RecentSources(db.images, config.delivery.sourceTtlMs);
  const assets = new AssetService({
    db,
    blobs,
    images: pool,
    signer,
    publicBaseUrl: () => config.publicBaseUrl ?? baseUrl,
    limits: {
      maxUploadBytes: config.limits.maxUploadBytes,
      maxMetadataBytes: config.limits.maxMetadataBytes,
      maxReadBytesPerRequest: config.limits.maxReadBytesPerRequest,
    },
    urls: { defaultExpirySeconds: config.urlDefaultExpirySeconds, maxExpirySeconds: config.urlMaxExpirySeconds },
    onDeleted: (tenant, id) => sources.forget(tenant, id),
  });

  const derived = new DerivedImageService({ assets, db, images: pool });
  const derivativeCache = new DerivativeCache({
    repository: db.derivatives,
    blobs,
    maxBytes: config.delivery.cacheMaxBytes,
    memoryBytes: config.delivery.memoryCacheBytes,
    touchIntervalMs: config.delivery.touchIntervalMs,
    events: observer?.cache('derivatives'),
    onError: (error, what) => logger.warn({ err: String(error) }, `result cache: could not ${what}`),
  });
  // A CDN in front of the Azure container fronts this service's derivative URLs too (its origin
  // routes /derivatives/ here): they are rendered here, not in the container.
  const cdnBaseUrl = blobs.name === 'azure' ? config.azure.cdnBaseUrl : undefined;
  const derivatives = new DerivativeService({
    assets,
    images: sources,
    repository: db.derivatives,
    blobs,
    pool,
    cache: derivativeCache,
    signer,
    baseUrl: () => cdnBaseUrl ?? config.publicBaseUrl ?? baseUrl,
    presets: config.delivery.presets,
    onlyPresets: config.delivery.onlyPresets,
    maxOutputDimension: config.limits.maxOutputDimension,
    maxSrcsetWidths: config.delivery.maxSrcsetWidths,
    urls: { defaultExpirySeconds: config.urlDefaultExpirySeconds, maxExpirySeconds: config.urlMaxExpirySeconds },
  });
  const health = new HealthState(SERVED.map((s) => s.typeName));
  const shutdown = new AbortController();
  // connect adds one listener per call to this signal; many concurrent calls are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  let serving = true;
  const serviceRoutes = routes(
    {
      assets,
      derived,
      derivatives,
      palettes: new PaletteService({ assets, db, images: pool }),
      recolor: new RecolorService({ derived, db, images: pool, concurrencyPerRequest: config.pool.maxConcurrentOperations }),
      analysis: new AnalysisService({ images: pool }),
      generation: createGenerationService(config.generation, {
        assets,
        images: pool,
        maxOutputDimension: config.limits.maxOutputDimension,
        maxOutputPixels: config.limits.maxOutputPixels,
        maxUploadBytes: config.limits.maxUploadBytes,
        logger,
        observer,
      }),
      processing: new ProcessingService({
        images: pool,
        cacheMaxBytes: config.cacheMaxBytes,
        concurrencyPerRequest: config.pool.maxConcurrentOperations,
        cacheEvents: observer?.cache('processing'),
        stored: assets,
        batch: { maxInFlight: config.limits.maxBatchInFlight, maxItems: config.limits.maxBatchItems },
      }),
      maxUploadBytes: config.limits.maxUploadBytes,
      uploadsInFlight: new ByteBudget(config.limits.maxUploadBytesInFlight),
      // The record beside the bytes: its fields, and metadata whose Struct encoding can be twice its JSON.
      maxInlineImageBytes: Math.max(0, config.limits.maxMessageBytes - 2 * config.limits.maxMetadataBytes - 16 * 1024),
      maxOutputDimension: config.limits.maxOutputDimension,
      maxVariations: config.limits.maxVariations,
      maxOutputPixels: config.limits.maxOutputPixels,
      maxCompositeLayers: config.limits.maxCompositeLayers,
      luts: { maxLutsPerRequest: config.limits.maxLutsPerRequest, maxLutBytes: config.limits.maxLutBytes },
      logger,
    },
    health,
  );
  const auth = await authInterceptors(config, { db, logger, peerSubject: (values) => peerIdentity(values)?.subject });
  const handlers = createRouter(
    {
      interceptors: interceptors({ logger, observer, auth: auth.interceptors }),
      readMaxBytes: config.limits.maxMessageBytes,
      writeMaxBytes: config.limits.maxMessageBytes,
      shutdownSignal: shutdown.signal,
      // Image bytes barely compress (measured: 7% on a JPEG) and gzip costs CPU on both ends; requests
      // that arrive compressed are still accepted.
      compressMinBytes: Number.MAX_SAFE_INTEGER,
      // connect-node's adapter default.
      acceptCompression: [compressionGzip, compressionBrotli],
    },
    serviceRoutes,
  );
  // Two entry points onto the same handlers: gRPC over HTTP/2 straight from the stream (see
  // grpc-stream-adapter.ts), everything else (Connect, gRPC-Web, HTTP/1.1, /files) through Node's
  // request/response objects.
  // One budget of request body bytes for both entry points.
  const budget = new RequestByteBudget(config.connections.maxBufferedBytes);
  const streamHandler = grpcStreamHandler(handlers, (error) => logger.warn({ err: String(error) }, 'gRPC stream failed'), {
    readMaxBytes: config.limits.maxMessageBytes,
    budget,
    contextValues: peerContextValues,
  });
  const files = filesHandler(assets, () => serving, logger, {
    svgInline: config.svgInline,
    derivatives: derivativesHandler(derivatives, logger, { cacheControlScope: config.delivery.cacheControlScope, maxAgeSeconds: config.delivery.maxAgeSeconds }),
  });
  const handler = nodeRequestHandler(handlers, {
    contextValues: (req) => peerContextValues(req).set(requestBodyAccount, bodyAccountOf(req)),
    // The files handler answers every failure itself: nothing waits on its promise.
    fallback: consoleHandler(config.consoleDir, (req, res) => void files(req, res)),
    onError: (error, h) => logger.warn({ err: String(error), rpc: `${h.service.typeName}/${h.method.name}` }, 'response failed'),
  });
  const server = await listenOnePort(withCors(withSpecGrpcMessage(withRequestByteBudget(handler, budget)), config.corsOrigins), {
    streamHandler,
    maxRequestBodyBytes: Math.max(config.limits.maxMessageBytes, config.limits.maxUploadBytes),
    host: config.host,
    port: config.port,
    headersTimeoutMs: config.connections.headersTimeoutMs,
    idleTimeoutMs: config.connections.idleTimeoutMs,
    pingTimeoutMs: config.connections.pingTimeoutMs,
    maxConnections: config.connections.maxConnections,
    tls: config.tls,
    log: logger,
    // Room for a few maximal messages in flight on one HTTP/2 connection.
    maxStreamsPerConnection: config.limits.maxStreamsPerConnection,
    maxSessionMemoryMb: Math.max(64, Math.ceil((config.limits.maxMessageBytes * 4) / (1024 * 1024))),
  });
  const urlHost = server.host.includes(':') ? `[${server.host}]` : server.host;
  baseUrl = `${server.secure ? 'https' : 'http'}://${urlHost === '0.0.0.0' || urlHost === '[::]' ? '127.0.0.1' : urlHost}:${server.port}`;

  const sweeps = startSweeps({ blobs, references: db.blobReferences }, config, logger);

  let closing: Promise<void> | undefined;
  return {
    server,
    baseUrl,
    db,
    blobs,
    pool,
    health,
    metricsUrl: telemetry.metricsUrl,
    close() {
      closing ??= (async () => {
        serving = false;
        sweeps.stop();
        health.setAllNotServing();
        const forced = setTimeout(() => shutdown.abort(), config.shutdownGraceMs);
        await server.close(config.shutdownGraceMs);
        clearTimeout(forced);
        shutdown.abort();
        await auth.close();
        await pool.close();
        await db.close();
        await blobs.close();
        await telemetry.close();
      })();
      return closing;
    },
  };
}
