import type { Knex } from 'knex';

/**
 * Gadgets (Jabber custom tabs, Webex embedded apps): every gadget token issued, so that one user's
 * tokens can be revoked at once, and the administrator's gadget settings (name/value: the token lifetime).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gadget_tokens', (t) => {
    t.bigIncrements('id');
    /** Random id carried in the token (`jti`). */
    t.string('token_id', 64).notNullable().unique();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    /** password | webex */
    t.string('via', 8).notNullable();
    t.bigInteger('issued_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['user_id']);
  });
  await knex.schema.createTable('gadget_settings', (t) => {
    t.string('name', 64).primary();
    t.text('value').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gadget_settings');
  await knex.schema.dropTable('gadget_tokens');
}
