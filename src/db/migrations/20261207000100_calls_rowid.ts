import type { Knex } from 'knex';

/**
 * SQLite only: `calls.id` becomes a plain INTEGER PRIMARY KEY (the rowid) instead of
 * AUTOINCREMENT. AUTOINCREMENT makes every insert read and rewrite the table's row in
 * `sqlite_sequence`, about a tenth of the cost of storing a call. The only thing it adds is that
 * the id of the newest call, once deleted, is never given again; nothing in tollgate keeps call
 * ids outside the calls table, so nothing depends on that. PostgreSQL (bigserial) and SQL Server
 * (identity) have no such cost and are left as they are.
 *
 * SQLite cannot alter a column, so the table is rebuilt: its rows copied, its indexes made again
 * (a database with many calls takes a while, once).
 */
export async function up(knex: Knex): Promise<void> {
  if (!isSqlite(knex)) return;
  await rebuildCalls(knex, (sql) => sql.replace(/\bprimary key autoincrement\b/i, 'primary key'));
}

export async function down(knex: Knex): Promise<void> {
  if (!isSqlite(knex)) return;
  await rebuildCalls(knex, (sql) => (/\bautoincrement\b/i.test(sql) ? sql : sql.replace(/\bprimary key\b/i, 'primary key autoincrement')));
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
