import type { Knex } from 'knex';

/**
 * Budget Control: budgets (per user, department or cost centre), their periods (assigned amount,
 * spend, thresholds fired, lock state), the history of every action, and the mail outbox (mail is
 * queued in the same transaction as the action that sends it, then delivered with retries).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('budgets', (t) => {
    t.increments('id');
    /** user | department | cost_center */
    t.string('scope', 16).notNullable();
    /** A username, department name or cost centre code. */
    t.string('target', 128).notNullable();
    /** daily | weekly | monthly */
    t.string('period', 8).notNullable();
    /** First day of a weekly period: 0 = Monday … 6 = Sunday. */
    t.integer('week_start').notNullable().defaultTo(0);
    /** IANA zone the periods follow (the site's). */
    t.string('timezone', 64).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    /** Destination types whose cost counts, as JSON. */
    t.text('count_types').notNullable();
    t.boolean('carry_over').notNullable().defaultTo(false);
    /** Thresholds as JSON: [{ percent, email: [user|manager|admins], push, lock }]. */
    t.text('thresholds').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['scope', 'target']);
  });
  await knex.schema.createTable('budget_periods', (t) => {
    t.increments('id');
    t.integer('budget_id').notNullable().references('budgets.id').onDelete('CASCADE');
    t.bigInteger('starts_at').notNullable();
    t.bigInteger('ends_at').notNullable();
    /** Amount of the period: the budget's amount plus any carry-over. */
    t.bigInteger('assigned_minor').notNullable();
    t.bigInteger('spend_minor').notNullable().defaultTo(0);
    /** Highest threshold percent whose actions have run this period (0: none). */
    t.integer('fired_percent').notNullable().defaultTo(0);
    t.boolean('locked').notNullable().defaultTo(false);
    t.bigInteger('closed_at').nullable();
    t.unique(['budget_id', 'starts_at']);
    t.index(['closed_at', 'ends_at']);
  });
  await knex.schema.createTable('budget_history', (t) => {
    t.bigIncrements('id');
    t.integer('budget_id').notNullable().references('budgets.id').onDelete('CASCADE');
    t.integer('period_id').nullable();
    t.bigInteger('at').notNullable();
    /** threshold | notify | lock | unlock | period-end | carry-over | mail-failed */
    t.string('kind', 16).notNullable();
    t.text('detail').notNullable();
    t.index(['budget_id', 'at']);
  });
  await knex.schema.createTable('mail_outbox', (t) => {
    t.bigIncrements('id');
    t.text('recipients').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    /** queued | sent | failed (gave up) */
    t.string('status', 8).notNullable().defaultTo('queued');
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.text('last_error').nullable();
    t.integer('budget_id').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['status', 'next_attempt_at']);
  });
  // users.manager (the manager's username, for notices to the manager) and the calls(user_id,
  // start_at) index the spend sums use come with the portal migration (0400).
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['mail_outbox', 'budget_history', 'budget_periods', 'budgets']) await knex.schema.dropTableIfExists(table);
}
