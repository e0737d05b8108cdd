import type { Knex } from 'knex';

/**
 * What storing a call costs the database, measured at a million calls:
 *
 * 1. SQLite only: `calls.id` becomes a plain INTEGER PRIMARY KEY (the rowid) instead of
 *    AUTOINCREMENT. AUTOINCREMENT makes every insert read and rewrite the table's row in
 *    `sqlite_sequence`. The only thing it adds is that the id of the newest call, once deleted, is
 *    never given again; nothing in tollgate keeps call ids outside the calls table, so nothing
 *    depends on that. PostgreSQL (bigserial) and SQL Server (identity) have no such cost. SQLite
 *    cannot alter a column, so the table is rebuilt: its rows copied, its indexes made again (a
 *    database with many calls takes a while, once).
 * 2. Every engine: the unique key `calls_cdr_key` leads with the global call id instead of the
 *    cluster id. Its columns, and so what it keeps unique, are the same; but each insert's seek
 *    now mostly decides on an integer compare instead of first comparing the (nearly always
 *    equal) cluster id text, and the key still grows nearly in order (call ids increase).
 */
const OLD_KEY = ['cluster_id', 'gcid', 'pkid', 'party'];
const NEW_KEY = ['gcid', 'cluster_id', 'pkid', 'party'];

export async function up(knex: Knex): Promise<void> {
  await dropKey(knex);
  // The key is dropped first, so that the rebuild does not build it in the old order too.
  if (isSqlite(knex)) await rebuildCalls(knex, (sql) => sql.replace(/\bprimary key autoincrement\b/i, 'primary key'));
  await addKey(knex, NEW_KEY);
}

export async function down(knex: Knex): Promise<void> {
  await dropKey(knex);
  if (isSqlite(knex)) {
    await rebuildCalls(knex, (sql) => (/\bautoincrement\b/i.test(sql) ? sql : sql.replace(/\bprimary key\b/i, 'primary key autoincrement')));
  }
  await addKey(knex, OLD_KEY);
}

async function dropKey(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.dropUnique([], 'calls_cdr_key');
  });
}

async function addKey(knex: Knex, columns: string[]): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.unique(columns, { indexName: 'calls_cdr_key' });
  });
}

function isSqlite(knex: Knex): boolean {
  return String(knex.client.config.client).includes('sqlite');
}

async function rebuildCalls(knex: Knex, change: (createSql: string) => string): Promise<void> {
  const objects = (await knex('sqlite_master').where({ tbl_name: 'calls' }).whereNotNull('sql').select('type', 'name', 'sql')) as Array<{
    type: string; name: string; sql: string;
  }>;
  const table = objects.find((o) => o.type === 'table');
  if (!table) throw new Error('calls table not found');
  const createSql = change(table.sql);
  if (createSql === table.sql) return;
  const columns = ((await knex.raw('PRAGMA table_info(calls)')) as Array<{ name: string }>).map((c) => `"${c.name}"`).join(', ');
  const newSql = createSql.replace(/^CREATE TABLE\s+[`"]?calls[`"]?/i, 'CREATE TABLE `calls_rebuilt`');
  if (newSql === createSql) throw new Error(`unexpected calls table definition: ${table.sql}`);
  await knex.raw(newSql);
  await knex.raw(`INSERT INTO calls_rebuilt (${columns}) SELECT ${columns} FROM calls`);
  await knex.raw('DROP TABLE calls');
  await knex.raw('ALTER TABLE calls_rebuilt RENAME TO calls');
  for (const o of objects) if (o.type !== 'table') await knex.raw(o.sql);
}
