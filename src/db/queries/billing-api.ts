import type { DbOrTx } from '../knex.js';

/** The calls and costs the SOAP billing API answers with. */

export interface ApiCall {
  start_at: number;
  direction: string;
  answered: boolean;
  extension: string;
  username: string;
  remote_number: string;
  duration_s: number;
  destination_type: string;
  nation: string;
  carrier: string;
  cost: number | null;
  currency: string | null;
}

/** Calls of a line (extension) or a user in [from, to), oldest first, at most `limit`. */
export async function listCallsFor(options: {
  db: DbOrTx; extension?: string | undefined; userId?: number | undefined; from: number; to: number; limit: number;
}): Promise<ApiCall[]> {
  const { db, extension, userId, from, to, limit } = options;
  const q = db('calls as c').leftJoin('users as u', 'u.id', 'c.user_id')
    .where('c.start_at', '>=', from).where('c.start_at', '<', to)
    .orderBy([{ column: 'c.start_at' }, { column: 'c.id' }]).limit(limit)
    .select('c.start_at', 'c.direction', 'c.answered', 'c.extension', 'u.username', 'c.remote_number', 'c.duration_s', 'c.destination_type', 'c.nation', 'c.carrier', 'c.cost', 'c.currency');
  if (extension !== undefined) q.where('c.extension', extension);
  if (userId !== undefined) q.where('c.user_id', userId);
  return (await q).map((r: Record<string, unknown>) => ({
    ...(r as unknown as ApiCall), start_at: Number(r.start_at), answered: Boolean(r.answered), duration_s: Number(r.duration_s),
    username: String(r.username ?? ''), cost: r.cost === null ? null : Number(r.cost), currency: r.currency === null ? null : String(r.currency),
  }));
}

/** Outgoing calls of some users in [from, to): count, connected seconds, cost per currency. */
export async function costOfUsers(options: { db: DbOrTx; userIds: readonly number[]; from: number; to: number }): Promise<{ calls: number; seconds: number; totals: Array<{ currency: string; minor: number }> }> {
  const { db, userIds, from, to } = options;
  const out = { calls: 0, seconds: 0, totals: new Map<string, number>() };
  for (let i = 0; i < userIds.length; i += 500) {
    const rows = await db('calls').whereIn('user_id', userIds.slice(i, i + 500)).where('start_at', '>=', from).where('start_at', '<', to)
      .where({ direction: 'outgoing' }).groupBy('currency').select('currency').count({ n: '*' }).sum({ seconds: 'duration_s', cost: 'cost' });
    for (const r of rows as Array<Record<string, unknown>>) {
      out.calls += Number(r.n);
      out.seconds += Number(r.seconds ?? 0);
      if (r.currency !== null) out.totals.set(String(r.currency), (out.totals.get(String(r.currency)) ?? 0) + Number(r.cost ?? 0));
    }
  }
  return { calls: out.calls, seconds: out.seconds, totals: [...out.totals].map(([currency, minor]) => ({ currency, minor })) };
}
