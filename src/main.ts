import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './util/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await buildApp(config, logger);
logger.info(
  {
    address: app.baseUrl,
    database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'),
    blobs: app.blobs.name,
    threads: config.pool.threads,
    metrics: app.metricsUrl,
    traces: config.observe.tracing?.url,
  },
  'image asset service listening (gRPC, gRPC-Web and Connect on one port)',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (e) => {
        logger.error({ err: String(e) }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
