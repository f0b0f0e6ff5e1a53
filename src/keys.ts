import { parseArgs } from 'node:util';
import { apiKeyPepper } from './auth/api-key-secret.js';
import { ApiKeys } from './auth/api-keys.js';
import { loadConfig } from './config.js';
import { isAppError } from './errors/index.js';
import { createDatabase } from './persistence/create-database.js';

const USAGE = `usage:
  npm run keys -- create --tenant <tenant> --scopes <scope,scope,...> --name <name>
  npm run keys -- list
  npm run keys -- revoke <id>
scopes: images:read, images:write, images:delete, images:generate, admin`;

/**
 * `npm run keys`: API keys in the database the service uses (DATABASE_URL, DATA_DIR and API_KEY_PEPPER
 * as the service reads them). `create` prints the new key alone on its last line, and only then.
 */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command) || (command === 'revoke' && rest.length !== 1)) {
    console.error(USAGE);
    return 2;
  }
  // The key command runs beside the service, whatever its HOST: the service's refusal to listen on a
  // public address without authentication does not concern it.
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1' });
  const db = await createDatabase({ databaseUrl: config.databaseUrl, poolMin: 0, poolMax: 1 });
  try {
    const keys = new ApiKeys(db.apiKeys, { pepper: await apiKeyPepper(config.auth.apiKeyPepper, config.dataDir) });
    if (command === 'create') {
      const { record, key } = await keys.create({
        tenant: values.tenant ?? '',
        scopes: (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        name: values.name ?? '',
      });
      console.log(`created API key ${record.id} "${record.name}" for tenant ${record.tenant} with scopes ${record.scopes.join(',')}`);
      console.log('send it as "authorization: Bearer <key>"; it is shown only now:');
      console.log(key);
    } else if (command === 'list') {
      const rows = (await keys.list()).map((k) => [
        k.id, k.tenant, k.name, k.scopes.join(','), k.createdAt.toISOString(), k.lastUsedAt?.toISOString() ?? '-', k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
      ]);
      const header = ['id', 'tenant', 'name', 'scopes', 'created', 'last used', 'status'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
    } else {
      const id = rest[0];
      if (!(await keys.revoke(id))) {
        console.error(`no active API key with id ${JSON.stringify(id)}`);
        return 1;
      }
      console.log(`revoked API key ${id}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(isAppError(e) || (e as Error)?.name === 'TypeError' ? (e as Error).message : e);
    process.exit(isAppError(e) ? 2 : 1);
  },
);
