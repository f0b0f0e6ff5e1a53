import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './util/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await buildApp(config, logger);
logger.info(
  { address: app.baseUrl, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'), blobs: app.blobs.name, threads: config.pool.threads },
  'image asset service listening (gRPC, gRPC-Web and Connect on one port)',
);

// SIGHUP re-reads the TLS certificate and key (the files are also polled); open connections keep theirs.
if (config.tls) process.on('SIGHUP', () => void app.server.reloadTls());

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
