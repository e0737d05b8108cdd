import type { Knex } from 'knex';

/**
 * Phone Lock: lock reasons per line (partition + extension), the lock history that is also the
 * change log the server polls, users' PINs and PIN events; the address of a device for pushes
 * and a per-site choice of whether locked lines may call internal numbers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('user_devices', (t) => {
    /** IP address or host name of the phone (for /CGI/Execute pushes) until an AXL/RIS lookup exists. */
    t.string('address', 255).nullable();
  });
  await knex.schema.alterTable('sites', (t) => {
    /** Null: the TOLLGATE_LOCK_ALLOW_INTERNAL default. */
    t.boolean('lock_allow_internal').nullable();
  });
  // One row per reason that holds: a line is locked while it has any row.
  await knex.schema.createTable('line_locks', (t) => {
    t.string('partition', 50).notNullable();
    t.string('extension', 50).notNullable();
    t.string('reason', 8).notNullable();
    t.bigInteger('since').notNullable();
    t.string('who', 128).notNullable();
    t.string('channel', 8).notNullable();
    t.primary(['partition', 'extension', 'reason']);
  });
  // Every change, in order: the history shown to users and the feed other processes poll by id.
  await knex.schema.createTable('lock_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('at').notNullable();
    t.string('partition', 50).notNullable();
    t.string('extension', 50).notNullable();
    t.string('reason', 8).notNullable();
    t.boolean('locked').notNullable();
    t.string('who', 128).notNullable();
    t.string('channel', 8).notNullable();
    t.index(['extension', 'partition', 'id'], 'lock_events_line');
  });
  await knex.schema.createTable('user_pins', (t) => {
    t.integer('user_id').primary().references('users.id').onDelete('CASCADE');
    t.string('hash', 200).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.integer('failures').notNullable().defaultTo(0);
    t.bigInteger('blocked_until').nullable();
  });
  await knex.schema.createTable('pin_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('at').notNullable();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('event', 12).notNullable();
    t.string('device', 129).notNullable().defaultTo('');
    t.string('channel', 8).notNullable();
    t.index(['user_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['pin_events', 'user_pins', 'lock_events', 'line_locks']) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('sites', (t) => t.dropColumn('lock_allow_internal'));
  await knex.schema.alterTable('user_devices', (t) => t.dropColumn('address'));
}
