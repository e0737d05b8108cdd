import type { Knex } from 'knex';

/**
 * Portal: logins and permission levels on `users` (password hash, LDAP or local, level 0/2/6/8/10,
 * the level-6 scope and extra departments, forced password change, token version for logout),
 * the manager attribute filled by AD sync, each user's language and saved dashboard, and an index
 * for the per-user call queries of the home page.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    /** `scrypt$N$r$p$salt$hash` (base64); null: no local password (LDAP or no login). */
    t.string('password_hash', 255).nullable();
    t.string('auth_source', 8).notNullable().defaultTo('local');
    t.smallint('level').notNullable().defaultTo(2);
    /** What level 6 shares: department, cost_center or office_location. */
    t.string('scope', 16).notNullable().defaultTo('department');
    /** Further departments a level-6 user sees, `;` separated. */
    t.text('extra_departments').notNullable().defaultTo('');
    t.boolean('must_change_password').notNullable().defaultTo(false);
    /** Raised by logout and password change: tokens carrying an older version are refused. */
    t.integer('token_version').notNullable().defaultTo(0);
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('language', 8).notNullable().defaultTo('');
    t.string('manager', 255).notNullable().defaultTo('');
    t.string('ldap_dn', 512).notNullable().defaultTo('');
    t.bigInteger('last_login_at').nullable();
    /** Dashboard widgets as JSON (null: the default set). */
    t.text('dashboard').nullable();
  });
  await knex.schema.alterTable('calls', (t) => {
    t.index(['user_id', 'start_at'], 'calls_user_start');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.dropIndex(['user_id', 'start_at'], 'calls_user_start');
  });
  await knex.schema.alterTable('users', (t) => {
    for (const c of ['password_hash', 'auth_source', 'level', 'scope', 'extra_departments', 'must_change_password', 'token_version',
      'disabled', 'language', 'manager', 'ldap_dn', 'last_login_at', 'dashboard']) t.dropColumn(c);
  });
}
