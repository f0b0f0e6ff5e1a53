import { loadConfig } from './config.js';
import { createDatabase } from './persistence/create-database.js';

/** `npm run migrate`: bring the configured database to the current schema, then exit. */
const config = loadConfig();
const db = await createDatabase({ databaseUrl: config.databaseUrl, poolMin: 0, poolMax: 1 });
await db.close();
console.log(`migrated ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}`);
