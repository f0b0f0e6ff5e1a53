import knexFactory, { type Knex } from 'knex';

/** A plain knex on a test database's URL (sqlite:<file> or mysql://), for arranging what the repositories cannot. */
export function rawKnex(url: string): Knex {
  if (url.startsWith('sqlite:')) return knexFactory({ client: 'better-sqlite3', connection: { filename: url.slice('sqlite:'.length) }, useNullAsDefault: true });
  const u = new URL(url);
  return knexFactory({
    client: 'mysql2',
    connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) },
  });
}
