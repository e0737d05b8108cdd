import type { Knex } from 'knex';

/**
 * Portal administration: failed logins per username and address, kept in the database so that a
 * lockout survives a restart and holds for every process sharing the database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_failures', (t) => {
    /** Lower case. */
    t.string('username', 128).notNullable();
    t.string('address', 64).notNullable();
    /** Failures since `first_at` (reset when a lockout starts or the window has passed). */
    t.integer('failures').notNullable();
    t.bigInteger('first_at').notNullable();
    /** Refused until this epoch second (0: not locked). */
    t.bigInteger('locked_until').notNullable().defaultTo(0);
    t.primary(['username', 'address']);
    t.index(['locked_until']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_failures');
}
