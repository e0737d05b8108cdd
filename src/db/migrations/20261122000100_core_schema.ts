import type { Knex } from 'knex';

/**
 * Sites, gateways, access codes, users and their devices; the CDR file log, stored calls and
 * discarded rows. Times are epoch seconds UTC (bigint); money is integer minor units.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sites', (t) => {
    t.increments('id');
    t.string('code', 32).notNullable().unique();
    t.string('name', 100).notNullable();
    t.string('country', 2).notNullable();
    t.string('area_code', 10).notNullable().defaultTo('');
    t.string('timezone', 64).notNullable();
    t.string('currency', 3).notNullable();
    t.string('driver', 20).notNullable().defaultTo('cucm');
    t.boolean('import_internal').notNullable().defaultTo(true);
    t.boolean('auto_acquire').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('site_clusters', (t) => {
    t.string('cluster_id', 50).primary();
    t.integer('site_id').notNullable().references('sites.id').onDelete('CASCADE');
  });
  await knex.schema.createTable('access_codes', (t) => {
    t.increments('id');
    t.integer('site_id').notNullable().references('sites.id').onDelete('CASCADE');
    t.string('code', 8).notNullable();
    t.unique(['site_id', 'code']);
  });
  await knex.schema.createTable('gateways', (t) => {
    t.increments('id');
    t.integer('site_id').notNullable().references('sites.id').onDelete('CASCADE');
    t.string('name', 129).notNullable();
    t.string('match', 8).notNullable().defaultTo('exact');
    t.string('kind', 8).notNullable().defaultTo('trunk');
    t.string('label', 100).notNullable().defaultTo('');
    t.unique(['site_id', 'name']);
  });
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.integer('site_id').nullable().references('sites.id').onDelete('SET NULL');
    t.string('username', 128).notNullable().unique();
    t.string('first_name', 100).notNullable().defaultTo('');
    t.string('last_name', 100).notNullable().defaultTo('');
    t.string('email', 254).notNullable().defaultTo('');
    t.string('department', 100).notNullable().defaultTo('');
    t.string('cost_center', 100).notNullable().defaultTo('');
    t.string('office_location', 100).notNullable().defaultTo('');
    for (let i = 1; i <= 10; i++) t.string(`custom_${i}`, 255).notNullable().defaultTo('');
    t.string('partition', 50).notNullable().defaultTo('');
    t.string('extension', 50).notNullable().defaultTo('');
    t.boolean('extension_billing').notNullable().defaultTo(true);
    t.string('fax_extension', 50).notNullable().defaultTo('');
    t.boolean('fax_billing').notNullable().defaultTo(true);
    t.string('voicemail_extension', 50).notNullable().defaultTo('');
    t.boolean('voicemail_billing').notNullable().defaultTo(true);
    t.boolean('anonymous').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['extension']);
  });
  await knex.schema.createTable('user_devices', (t) => {
    t.string('device_name', 129).primary();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
  });
  await knex.schema.createTable('cdr_files', (t) => {
    t.increments('id');
    t.integer('site_id').notNullable().references('sites.id');
    t.string('name', 255).notNullable();
    t.string('kind', 8).notNullable();
    t.bigInteger('size').notNullable();
    t.string('sha256', 64).notNullable().unique();
    t.string('channel', 8).notNullable();
    t.string('spool_path', 512).notNullable();
    t.string('status', 12).notNullable();
    t.string('layout', 16).nullable();
    /** Line 1 of the file when it has a header: needed to re-read discarded rows of a custom layout. */
    t.text('header').nullable();
    t.bigInteger('received_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.integer('rows').notNullable().defaultTo(0);
    t.integer('stored').notNullable().defaultTo(0);
    t.integer('duplicates').notNullable().defaultTo(0);
    t.integer('discarded').notNullable().defaultTo(0);
    t.integer('checkpoint_line').notNullable().defaultTo(0);
    t.string('lease_owner', 128).nullable();
    t.bigInteger('lease_until').nullable();
    t.text('error').nullable();
    t.index(['status', 'id']);
    t.index(['site_id', 'received_at']);
  });
  // calls is the fact table (millions of rows a day): no foreign keys, whose per-row parent
  // lookups cost ingest speed on every engine. Its ids are written only by the miner, from rows it
  // has just read; deleting a site or user goes through code that handles its calls.
  await knex.schema.createTable('calls', (t) => {
    t.bigIncrements('id');
    t.integer('site_id').notNullable();
    t.string('cluster_id', 50).notNullable();
    /** Global call id: callManagerId × 2^24 + callId (CUCM limits callId to 24 bits). */
    t.bigInteger('gcid').notNullable();
    t.string('pkid', 36).notNullable();
    t.smallint('party').notNullable();
    t.string('direction', 8).notNullable();
    t.boolean('answered').notNullable();
    t.bigInteger('start_at').notNullable();
    t.integer('ring_s').notNullable();
    t.integer('duration_s').notNullable();
    t.string('extension', 101).notNullable();
    t.string('partition', 50).notNullable();
    t.integer('user_id').nullable();
    t.string('remote_number', 64).notNullable();
    t.string('dialed_number', 64).notNullable();
    t.string('gateway', 129).notNullable();
    t.string('destination_type', 16).notNullable();
    t.string('account_code', 50).notNullable();
    t.bigInteger('orig_cause').notNullable();
    t.bigInteger('dest_cause').notNullable();
    t.string('last_redirect_dn', 64).notNullable();
    t.boolean('redirected').notNullable();
    t.boolean('transferred').notNullable();
    t.boolean('conference').notNullable();
    /** The CUCM leg id on the gateway side: the carrier bills per trunk leg (transfers keep it). */
    t.bigInteger('trunk_leg').notNullable();
    t.bigInteger('cost').nullable();
    t.string('currency', 3).nullable();
    t.integer('cdr_file_id').notNullable();
    t.integer('cdr_line').notNullable();
    // Unique on cluster id + pkid (+ party: an internal call is stored once per party). The global
    // call id sits in the middle so the index grows nearly in order: a pkid is a random GUID, and
    // an index led by it makes every batch touch random pages (measured 3x slower on SQLite).
    t.unique(['cluster_id', 'gcid', 'pkid', 'party'], { indexName: 'calls_cdr_key' });
    t.index(['start_at'], 'calls_start_at');
  });
  await knex.schema.createTable('discarded_rows', (t) => {
    t.bigIncrements('id');
    t.integer('site_id').notNullable().references('sites.id');
    t.integer('cdr_file_id').notNullable().references('cdr_files.id');
    t.integer('line').notNullable();
    t.smallint('party').notNullable().defaultTo(0);
    t.string('reason', 32).notNullable();
    t.text('detail').notNullable();
    t.text('raw').notNullable();
    t.string('cluster_id', 50).notNullable().defaultTo('');
    t.string('pkid', 36).notNullable().defaultTo('');
    t.string('extension', 101).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('resolved_at').nullable();
    t.unique(['cdr_file_id', 'line', 'party']);
    t.index(['site_id', 'reason', 'resolved_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['discarded_rows', 'calls', 'cdr_files', 'user_devices', 'users', 'gateways', 'access_codes', 'site_clusters', 'sites']) {
    await knex.schema.dropTableIfExists(table);
  }
}
