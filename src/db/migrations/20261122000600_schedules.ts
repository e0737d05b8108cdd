import type { Knex } from 'knex';

/**
 * Scheduled reports and alarms, their runs (one row per schedule and due time: a restart or a
 * second process can never send the same run twice), personal reports and report history, and
 * attachments in the mail outbox.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('schedules', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable().unique();
    /** report | alarm */
    t.string('kind', 8).notNullable();
    /** A report id or an alarm type. */
    t.string('target', 64).notNullable();
    t.text('options').notNullable();
    t.string('format', 8).notNullable();
    t.text('recipients').notNullable();
    t.integer('every_n').notNullable();
    /** minutes | hours | days | weeks | months */
    t.string('every_unit', 8).notNullable();
    t.bigInteger('starts_at').notNullable();
    t.string('timezone', 64).notNullable();
    t.boolean('skip_empty').notNullable().defaultTo(false);
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('next_run_at').notNullable();
    t.bigInteger('last_run_at').nullable();
    t.string('last_status', 8).nullable();
    t.text('last_result').nullable();
    t.string('owner', 128).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['enabled', 'next_run_at']);
  });
  await knex.schema.createTable('schedule_runs', (t) => {
    t.bigIncrements('id');
    t.integer('schedule_id').notNullable().references('schedules.id').onDelete('CASCADE');
    t.bigInteger('due_at').notNullable();
    t.bigInteger('ran_at').notNullable();
    /** ok | empty | failed */
    t.string('status', 8).notNullable();
    t.integer('rows').notNullable().defaultTo(0);
    t.text('detail').notNullable();
    t.unique(['schedule_id', 'due_at']);
  });
  await knex.schema.createTable('saved_reports', (t) => {
    t.increments('id');
    t.string('owner', 128).notNullable();
    t.string('name', 100).notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.string('group_name', 100).notNullable().defaultTo('');
    t.string('report', 64).notNullable();
    t.text('options').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['owner', 'name']);
  });
  await knex.schema.createTable('report_history', (t) => {
    t.bigIncrements('id');
    t.string('owner', 128).notNullable();
    t.string('report', 64).notNullable();
    t.text('options').notNullable();
    t.string('format', 8).notNullable();
    t.integer('rows').notNullable();
    t.bigInteger('ran_at').notNullable();
    t.index(['owner', 'ran_at']);
  });
  await knex.schema.alterTable('mail_outbox', (t) => {
    /** JSON: [{ filename, contentType, base64 }]. */
    t.text('attachments').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('attachments');
  });
  for (const table of ['report_history', 'saved_reports', 'schedule_runs', 'schedules']) await knex.schema.dropTableIfExists(table);
}
