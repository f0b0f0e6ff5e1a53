import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../src/errors/index.js';
import { createDatabase } from '../../src/persistence/create-database.js';
import { checkMysqlForTests, createTestMysqlDatabase, TEST_MYSQL_URL } from '../support/mysql.js';
import { describeRepositories } from './repository-suite.js';

const available = await checkMysqlForTests();

// The failed connection attempts below are expected: keep knex's warnings about them out of the output.
const logger = { warn: () => undefined };

if (available) describeRepositories('MariaDB/MySQL', createTestMysqlDatabase);

/**
 * The call fails as unavailable rather than hanging. Not a timed assertion: `ms` is documentation of
 * the bound the configuration gives; the test's own timeout is what catches a hang.
 */
async function unavailableWithin(ms: number, work: () => Promise<unknown>): Promise<void> {
  void ms;
  const e = await work().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).kind).toBe('unavailable');
}

/** A TCP server on 127.0.0.1; `onSocket` decides what happens to each client. */
async function listen(onSocket: (socket: net.Socket) => void): Promise<{ port: number; server: net.Server; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, sockets };
}

describe('MySQL that cannot be reached', () => {
  it('fails createDatabase as unavailable at once when the port refuses', async () => {
    await unavailableWithin(5_000, () => createDatabase({ databaseUrl: 'mysql://root@127.0.0.1:1/imgsvc', logger }));
  });

  it('fails as unavailable within the connect timeout when the server never answers', async () => {
    const silent = await listen(() => undefined);
    try {
      await unavailableWithin(5_000, () =>
        createDatabase({ databaseUrl: `mysql://root@127.0.0.1:${silent.port}/imgsvc`, connectTimeoutMs: 1_000, logger }),
      );
    } finally {
      for (const s of silent.sockets) s.destroy();
      silent.server.close();
    }
  });

  it.skipIf(!available)('fails repository calls as unavailable when the server goes away', async () => {
    const target = await createTestMysqlDatabase();
    const upstream = new URL(TEST_MYSQL_URL);
    // A proxy in front of the real server, so the test can cut the connection under a live pool.
    const proxy = await listen((client) => {
      const server = net.connect(Number(upstream.port || 3306), upstream.hostname);
      server.on('error', () => client.destroy());
      client.pipe(server).pipe(client);
      client.on('close', () => server.destroy());
    });
    const url = new URL(target.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const db = await createDatabase({ databaseUrl: url.toString(), connectTimeoutMs: 1_000, logger });
    try {
      expect(await db.images.get(DEFAULT_TENANT, uuidv7())).toBeUndefined();
      proxy.server.close();
      for (const s of proxy.sockets) s.destroy();
      await unavailableWithin(5_000, () => db.images.get(DEFAULT_TENANT, uuidv7()));
      await unavailableWithin(5_000, () => db.images.list(DEFAULT_TENANT, { limit: 10 }));
      await unavailableWithin(5_000, () => db.ping());
    } finally {
      await db.close();
      proxy.server.close();
      await target.drop();
    }
  });
});
