import { afterAll, describe } from 'vitest';
import { checkMysqlForTests, createTestMysqlDatabase } from './mysql.js';

/**
 * Runs a suite on the embedded default (SQLite) and again on MariaDB when it is reachable; under
 * REQUIRE_MYSQL=1 an unreachable MariaDB fails the file instead of skipping. `env()` gives the
 * configuration overrides for the database (a fresh MariaDB database per suite).
 */
export async function describeDatabases(name: string, suite: (env: () => Promise<Record<string, string>>) => void): Promise<void> {
  describe(`${name} [sqlite]`, () => suite(async () => ({})));
  const haveMysql = await checkMysqlForTests();
  describe.runIf(haveMysql)(`${name} [mariadb]`, () => {
    const drops: (() => Promise<void>)[] = [];
    afterAll(async () => {
      await Promise.all(drops.map((drop) => drop()));
    });
    suite(async () => {
      const db = await createTestMysqlDatabase();
      drops.push(() => db.drop());
      return { DATABASE_URL: db.url };
    });
  });
}
