import type { DbOrTx } from '../knex.js';

/**
 * Known values the report options form offers (from the small reference tables, never from
 * `calls`): cheap on any number of calls.
 */

const distinct = async (db: DbOrTx, table: string, column: string): Promise<string[]> =>
  (await db(table).distinct(column).whereNot(column, '').whereNotNull(column).orderBy(column).limit(1000)).map((r: Record<string, unknown>) => String(r[column]));

/** Departments of the users. */
export function listDepartments(options: { db: DbOrTx }): Promise<string[]> {
  return distinct(options.db, 'users', 'department');
}

/** Cost centres of the users. */
export function listCostCenters(options: { db: DbOrTx }): Promise<string[]> {
  return distinct(options.db, 'users', 'cost_center');
}

/** Gateway names of every site. */
export function listGatewayNames(options: { db: DbOrTx }): Promise<string[]> {
  return distinct(options.db, 'gateways', 'name');
}
