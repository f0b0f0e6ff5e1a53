import { buildApp } from './app.js';
import { describeAuth } from './auth/auth-config.js';
import { loadConfig, type Config } from './config.js';
import { isAppError } from './errors/index.js';
import { createLogger } from './util/logger.js';

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  // A configuration the service refuses (e.g. a public HOST without authentication) says what to set.
  if (!isAppError(e)) throw e;
  console.error(`image asset service not started: ${e.message}`);
  process.exit(2);
}
const logger = createLogger(config.logLevel);
const app = await buildApp(config, logger);
logger.info(
  {
    address: app.baseUrl,
    database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'),
    blobs: app.blobs.name,
    threads: config.pool.threads,
    auth: config.auth.mode,
    metrics: app.metricsUrl,
    traces: config.observe.tracing?.url,
  },
  `image asset service listening (gRPC, gRPC-Web and Connect on one port); ${describeAuth(config.auth)}`,
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
