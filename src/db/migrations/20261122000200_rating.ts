import type { Knex } from 'knex';

/**
 * Rating: tariffs (the validated JSON model of src/rating/tariff.ts, one row per tariff), each
 * site's default tariff and privacy rule, a tariff per gateway or trunk (multi-carrier), account
 * codes, site prefix tables; the classification and rating columns of `calls`; per-file counters
 * of unknown account codes and destinations; and the progress of recalculations.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tariffs', (t) => {
    t.increments('id');
    t.string('code', 32).notNullable().unique();
    t.string('name', 100).notNullable();
    t.string('carrier', 100).notNullable();
    t.string('currency', 3).notNullable();
    t.boolean('sample').notNullable().defaultTo(false);
    /** The tariff as JSON (tariffSchema). */
    t.text('definition').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.alterTable('sites', (t) => {
    /** Tariff of outgoing calls through gateways without their own. */
    t.string('tariff_code', 32).nullable();
    /** Tariff of internal calls (none: internal calls cost nothing). */
    t.string('internal_tariff_code', 32).nullable();
    /** Privacy: the last N digits of PSTN numbers are masked for viewers below `privacy_level`. */
    t.integer('privacy_digits').notNullable().defaultTo(0);
    t.integer('privacy_level').notNullable().defaultTo(8);
  });
  await knex.schema.alterTable('gateways', (t) => {
    t.string('tariff_code', 32).nullable();
  });
  await knex.schema.createTable('account_codes', (t) => {
    t.increments('id');
    /** 0: every site (multisite). */
    t.integer('site_id').notNullable().defaultTo(0);
    t.string('code', 50).notNullable();
    t.string('description', 100).notNullable().defaultTo('');
    t.integer('privacy_digits').notNullable().defaultTo(0);
    t.string('cost_center', 100).notNullable().defaultTo('');
    t.boolean('replace_with_description').notNullable().defaultTo(false);
    t.unique(['site_id', 'code']);
  });
  await knex.schema.createTable('prefix_tables', (t) => {
    t.integer('site_id').primary();
    /** The entries as JSON (PrefixEntry[], prefixes in E.164 digits). */
    t.text('definition').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.alterTable('calls', (t) => {
    t.string('nation', 2).notNullable().defaultTo('');
    t.string('area', 64).notNullable().defaultTo('');
    t.string('carrier', 100).notNullable().defaultTo('');
    t.string('tariff_code', 32).notNullable().defaultTo('');
    t.string('cost_center', 100).notNullable().defaultTo('');
    /** The account code as shown: the code, or its description when it replaces the code; '' when unknown. */
    t.string('account_name', 100).notNullable().defaultTo('');
  });
  await knex.schema.alterTable('cdr_files', (t) => {
    t.integer('unknown_accounts').notNullable().defaultTo(0);
    t.integer('unknown_destinations').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('recalc_jobs', (t) => {
    t.increments('id');
    /** The selection as JSON: { from, to, site }. */
    t.text('params').notNullable();
    t.string('status', 12).notNullable();
    t.bigInteger('last_call_id').notNullable().defaultTo(0);
    t.integer('processed').notNullable().defaultTo(0);
    t.integer('changed').notNullable().defaultTo(0);
    t.bigInteger('started_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('recalc_jobs');
  await knex.schema.alterTable('cdr_files', (t) => {
    t.dropColumn('unknown_accounts');
    t.dropColumn('unknown_destinations');
  });
  await knex.schema.alterTable('calls', (t) => {
    for (const c of ['nation', 'area', 'carrier', 'tariff_code', 'cost_center', 'account_name']) t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('prefix_tables');
  await knex.schema.dropTableIfExists('account_codes');
  await knex.schema.alterTable('gateways', (t) => {
    t.dropColumn('tariff_code');
  });
  await knex.schema.alterTable('sites', (t) => {
    for (const c of ['tariff_code', 'internal_tariff_code', 'privacy_digits', 'privacy_level']) t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('tariffs');
}
