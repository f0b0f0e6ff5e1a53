import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/**
 * Throwaway MariaDB/MySQL databases for tests. The server comes from TEST_MYSQL_URL (default root with
 * no password on 127.0.0.1:3306); each caller gets a fresh database and drops it when done.
 */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306';

/** REQUIRE_MYSQL=1 turns "server not reachable" from a skip into a failure (CI with a database). */
const requireMysql = process.env.REQUIRE_MYSQL === '1';

function serverOptions(): mysql.ConnectionOptions {
  const url = new URL(TEST_MYSQL_URL);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    connectTimeout: 3000,
  };
}

async function withServer<T>(fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection(serverOptions());
  try {
    return await fn(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

let available: Promise<boolean> | undefined;

/** Whether the test server answers; checked once per process. */
function mysqlAvailable(): Promise<boolean> {
  available ??= withServer((conn) => conn.ping()).then(
    () => true,
    () => false,
  );
  return available;
}

/**
 * In a test file: resolves true when the server is reachable; otherwise warns and resolves false (so
 * the caller skips), or throws under REQUIRE_MYSQL=1 so the file fails with the reason.
 */
export async function checkMysqlForTests(): Promise<boolean> {
  if (await mysqlAvailable()) return true;
  const url = TEST_MYSQL_URL.replace(/:[^:/@]*@/, ':***@');
  if (requireMysql) throw new Error(`REQUIRE_MYSQL=1 but MySQL/MariaDB at ${url} is not reachable`);
  console.warn(`[skip] MySQL/MariaDB at ${url} is not reachable: MySQL tests are skipped (set TEST_MYSQL_URL, or REQUIRE_MYSQL=1 to fail instead)`);
  return false;
}

/** A new empty database on the test server, as a mysql:// URL, and a way to drop it. */
export async function createTestMysqlDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `imgsvc_test_${randomBytes(6).toString('hex')}`;
  await withServer((conn) => conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withServer((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``));
    },
  };
}
