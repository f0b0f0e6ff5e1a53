import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/util/logger.js';

export interface TestApp extends App {
  config: Config;
  dataDir: string;
  /** host:port for @grpc/grpc-js. */
  address: string;
  stop(): Promise<void>;
}

/**
 * The real server on port 0 with a temporary DATA_DIR (SQLite file and blob folder) and the real
 * worker pool. `env` overrides configuration, e.g. DATABASE_URL for MariaDB or tight limits; `logger`
 * replaces the silent one where a test reads the log.
 */
export async function startTestApp(env: Record<string, string> = {}, logger?: Logger): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', WORKER_THREADS: '2', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const app = await buildApp(config, logger ?? createLogger(config.logLevel));
  return {
    ...app,
    config,
    dataDir,
    address: `127.0.0.1:${app.server.port}`,
    async stop() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
