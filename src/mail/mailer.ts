import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { addHistory } from '../db/queries/budgets.js';
import { dueMails, markMailAttemptFailed, markMailSent } from '../db/queries/mail-outbox.js';

/**
 * Delivers the mail outbox over SMTP (nodemailer). A failed send is retried with a growing delay
 * (30 s, 2 min, 10 min, 30 min, then hourly) and given up after `maxAttempts`, which is recorded
 * in the budget's history: mail is never lost silently, and an SMTP outage never blocks a lock.
 */

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  /** Accept a self-signed certificate (test servers). */
  allowSelfSigned?: boolean;
}

const DELAYS_S = [30, 120, 600, 1800, 3600];

export function createMailer(o: { db: Db; log: Logger; smtp: SmtpSettings | null; maxAttempts?: number; now?: () => number; pollMs?: number }) {
  const { db, log } = o;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  const maxAttempts = o.maxAttempts ?? 10;
  let transport: Transporter | null = null;
  if (o.smtp) {
    transport = nodemailer.createTransport({
      host: o.smtp.host, port: o.smtp.port, secure: o.smtp.secure,
      ...(o.smtp.user ? { auth: { user: o.smtp.user, pass: o.smtp.password ?? '' } } : {}),
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000,
      ...(o.smtp.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
    });
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;

  /** Sends what is due; returns how many were sent. */
  async function flushOnce(): Promise<number> {
    if (!transport) return 0;
    let sent = 0;
    for (const m of await dueMails({ db, now: now(), limit: 50 })) {
      try {
        await transport.sendMail({
          from: o.smtp!.from, to: m.recipients, subject: m.subject, text: m.body,
          attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.base64, 'base64') })),
        });
        await markMailSent({ db, id: m.id, now: now() });
        sent++;
      } catch (err) {
        const attempt = m.attempts + 1;
        const giveUp = attempt >= maxAttempts;
        const message = (err as Error).message;
        await markMailAttemptFailed({ db, id: m.id, error: message, retryAt: giveUp ? null : now() + DELAYS_S[Math.min(attempt - 1, DELAYS_S.length - 1)]! });
        log.warn({ mailId: m.id, attempt, giveUp, error: message }, giveUp ? 'mail given up' : 'mail not sent; will retry');
        if (giveUp && m.budgetId !== null) {
          await addHistory({ db, budgetId: m.budgetId, periodId: null, at: now(), kind: 'mail-failed', detail: `mail "${m.subject}" to ${m.recipients.join(', ')} not delivered after ${attempt} attempts: ${message}` });
        }
      }
    }
    return sent;
  }

  function flush(): Promise<number> {
    running ??= flushOnce().finally(() => (running = null));
    return running;
  }

  return {
    flush,
    configured: transport !== null,
    start(): void {
      if (!transport) {
        log.warn('no SMTP server configured (TOLLGATE_SMTP_HOST): budget mails stay queued in the outbox');
        return;
      }
      timer = setInterval(() => void flush().catch((err: Error) => log.error({ err }, 'mail delivery failed')), o.pollMs ?? 2000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
      transport?.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
