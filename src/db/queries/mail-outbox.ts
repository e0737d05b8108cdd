import type { DbOrTx } from '../knex.js';

/** The mail outbox: mail is queued in the transaction of the action that sends it. */

export interface MailAttachment {
  filename: string;
  contentType: string;
  base64: string;
}

export interface OutboxMail {
  id: number;
  recipients: string[];
  subject: string;
  body: string;
  attachments: MailAttachment[];
  attempts: number;
  budgetId: number | null;
}

export async function enqueueMail(options: {
  db: DbOrTx; recipients: readonly string[]; subject: string; body: string; budgetId?: number | null; attachments?: MailAttachment[]; now: number;
}): Promise<void> {
  const { db, recipients, subject, body, now } = options;
  await db('mail_outbox').insert({
    recipients: JSON.stringify(recipients), subject, body, status: 'queued', attempts: 0, next_attempt_at: now, budget_id: options.budgetId ?? null, created_at: now,
    attachments: options.attachments && options.attachments.length > 0 ? JSON.stringify(options.attachments) : null,
  });
}

/** Queued mails due now, oldest first. */
export async function dueMails(options: { db: DbOrTx; now: number; limit: number }): Promise<OutboxMail[]> {
  const rows = await options.db('mail_outbox').where({ status: 'queued' }).where('next_attempt_at', '<=', options.now).orderBy('id').limit(options.limit);
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id), recipients: JSON.parse(String(r.recipients)) as string[], subject: String(r.subject), body: String(r.body),
    attachments: r.attachments ? (JSON.parse(String(r.attachments)) as MailAttachment[]) : [],
    attempts: Number(r.attempts), budgetId: r.budget_id === null ? null : Number(r.budget_id),
  }));
}

export async function markMailSent(options: { db: DbOrTx; id: number; now: number }): Promise<void> {
  await options.db('mail_outbox').where({ id: options.id }).update({ status: 'sent', sent_at: options.now, attempts: options.db.raw('attempts + 1') });
}

/** Records a failed attempt: tried again at `retryAt`, or given up (`failed`) when null. */
export async function markMailAttemptFailed(options: { db: DbOrTx; id: number; error: string; retryAt: number | null }): Promise<void> {
  const { db, id, error, retryAt } = options;
  await db('mail_outbox').where({ id }).update({
    attempts: db.raw('attempts + 1'), last_error: error.slice(0, 2000), ...(retryAt === null ? { status: 'failed' } : { next_attempt_at: retryAt }),
  });
}

export async function countMails(options: { db: DbOrTx }): Promise<Record<string, number>> {
  const rows = await options.db('mail_outbox').groupBy('status').select('status').count({ n: '*' });
  return Object.fromEntries(rows.map((r: Record<string, unknown>) => [String(r.status), Number(r.n)]));
}
