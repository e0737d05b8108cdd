import type Router from '@koa/router';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import { listen, type IServices, type Server as SoapServer } from 'soap';
import type { BudgetEngine } from '../budget/engine.js';
import type { Db } from '../db/knex.js';
import { listBudgetUsers } from '../db/queries/budgets.js';
import { costOfUsers, listCallsFor } from '../db/queries/billing-api.js';
import { formatMinorAmount } from '../rating/money.js';
import { sameSecret } from '../http/admin-auth.js';
import { billingWsdl } from './billing-wsdl.js';

/**
 * The SOAP billing API at /soap/billing (WSDL at /soap/billing?wsdl), for PBX attendant consoles,
 * hotel and ERP systems that expect SOAP. Authenticated by HTTP Basic (user `admin`, password the
 * admin token) or a WS-Security UsernameToken with the same. Every bad request, bad envelope or
 * bad credential is answered with a SOAP fault.
 */

export interface LineState {
  extension: string;
  partition: string;
  locked: boolean;
  reasons: string[];
}

/** How the SOAP API reaches Phone Lock. */
export interface SoapLinePort {
  setAdminLock(line: { extension: string; partition: string }, on: boolean, who: string): Promise<LineState>;
}

export interface BillingSoapDeps {
  db: Db;
  log: Logger;
  /** The admin token; without it the SOAP API refuses every request. */
  adminToken?: string | undefined;
  budgets?: BudgetEngine | undefined;
  lines?: SoapLinePort | undefined;
}

export const SOAP_PATH = '/soap/billing';
const MAX_BODY = '1mb';
const MAX_ROWS = 10_000;

class SoapFault extends Error {
  constructor(readonly code: 'Client' | 'Server', message: string) {
    super(message);
  }
  get Fault() {
    return { faultcode: `soap:${this.code}`, faultstring: this.message, statusCode: this.code === 'Client' ? 400 : 500 };
  }
}

function time(name: string, v: unknown): number {
  const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) throw new SoapFault('Client', `${name}: not an xsd:dateTime (got ${JSON.stringify(v)})`);
  return Math.floor(t / 1000);
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(typeof v === 'object' && '$value' in (v as object) ? (v as { $value: unknown }).$value : v).trim();
  return s === '' ? undefined : s;
}

function range(args: Record<string, unknown>): { from: number; to: number } {
  const from = time('from', args.from);
  const to = time('to', args.to);
  if (to <= from) throw new SoapFault('Client', 'to must be after from');
  return { from, to };
}

const iso = (t: number) => new Date(t * 1000).toISOString();

function services(deps: BillingSoapDeps): IServices {
  const { db } = deps;
  const lineOf = (args: Record<string, unknown>) => {
    const extension = text(args.extension);
    if (!extension) throw new SoapFault('Client', 'extension is required');
    return { extension, partition: text(args.partition) ?? '' };
  };
  const setLock = async (args: Record<string, unknown>, on: boolean) => {
    if (!deps.lines) throw new SoapFault('Server', 'Phone Lock is not available');
    const s = await deps.lines.setAdminLock(lineOf(args), on, 'soap');
    return { extension: s.extension, partition: s.partition, locked: s.locked, reasons: s.reasons.join(',') };
  };
  return {
    BillingService: {
      BillingPort: {
        async GetCalls(args: Record<string, unknown>) {
          const { from, to } = range(args);
          const extension = text(args.extension);
          const username = text(args.username);
          if (!extension && !username) throw new SoapFault('Client', 'give an extension or a username');
          let userId: number | undefined;
          if (username) {
            userId = (await listBudgetUsers({ db })).find((u) => u.username === username)?.id;
            if (userId === undefined) throw new SoapFault('Client', `no user ${JSON.stringify(username)}`);
          }
          const max = Math.min(MAX_ROWS, Math.max(1, Number(text(args.maxRows) ?? MAX_ROWS) || MAX_ROWS));
          const calls = await listCallsFor({ db, extension, userId, from, to, limit: max });
          return {
            call: calls.map((c) => ({
              start: iso(c.start_at), direction: c.direction, answered: c.answered, extension: c.extension, username: c.username,
              remoteNumber: c.remote_number, durationSeconds: c.duration_s, destinationType: c.destination_type, nation: c.nation, carrier: c.carrier,
              ...(c.cost !== null && c.currency !== null ? { cost: formatMinorAmount(c.cost, c.currency), currency: c.currency } : {}),
            })),
          };
        },
        async GetCost(args: Record<string, unknown>) {
          const { from, to } = range(args);
          const username = text(args.username);
          const department = text(args.department);
          const costCenter = text(args.costCenter);
          if ([username, department, costCenter].filter(Boolean).length !== 1) throw new SoapFault('Client', 'give exactly one of username, department, costCenter');
          const users = (await listBudgetUsers({ db })).filter((u) => (username ? u.username === username : department ? u.department === department : u.costCenter === costCenter));
          if (users.length === 0) throw new SoapFault('Client', `no ${username ? 'user' : department ? 'department' : 'cost centre'} ${JSON.stringify(username ?? department ?? costCenter)}`);
          const c = await costOfUsers({ db, userIds: users.map((u) => u.id), from, to });
          return { calls: c.calls, durationSeconds: c.seconds, total: c.totals.map((t) => ({ currency: t.currency, amount: formatMinorAmount(t.minor, t.currency) })) };
        },
        async GetBudgetStatus(args: Record<string, unknown>) {
          const username = text(args.username);
          if (!username) throw new SoapFault('Client', 'username is required');
          if (!deps.budgets) throw new SoapFault('Server', 'Budget Control is not running');
          const list = await deps.budgets.statusOf(username);
          return {
            budget: list.map((b) => ({
              scope: b.scope, target: b.target, period: b.period, currency: b.currency, assigned: formatMinorAmount(b.assignedMinor, b.currency),
              spent: formatMinorAmount(b.spendMinor, b.currency), remaining: formatMinorAmount(b.remainingMinor, b.currency), percent: b.percent,
              periodStart: iso(b.from), periodEnd: iso(b.until), locked: b.locked,
            })),
          };
        },
        LockLine: (args: Record<string, unknown>) => setLock(args, true),
        UnlockLine: (args: Record<string, unknown>) => setLock(args, false),
      },
    },
  };
}

const FAULT = (code: string, message: string) =>
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
  `<faultcode>soap:${code}</faultcode><faultstring>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;

/** Adds the SOAP routes to a router. */
export function billingSoapRoutes(router: Router, deps: BillingSoapDeps): void {
  let server: Promise<SoapServer> | undefined;
  // The soap package parses its WSDL asynchronously: requests wait until it is ready.
  const ready = () => new Promise<SoapServer>((resolve, reject) => {
    listen(null, {
      path: SOAP_PATH, services: services(deps), xml: billingWsdl(`http://localhost${SOAP_PATH}`),
      callback: (err: unknown, srv: SoapServer) => (err ? reject(err as Error) : resolve(srv)),
    });
  });
  const authorized = (authorization: string | undefined, security: unknown): boolean => {
    const token = deps.adminToken;
    if (!token) return false;
    if (authorization?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      if (user === 'admin' && sameSecret(rest.join(':'), token)) return true;
    }
    const ut = (security as { UsernameToken?: { Username?: unknown; Password?: unknown } } | undefined)?.UsernameToken;
    return ut !== undefined && text(ut.Username) === 'admin' && sameSecret(text(ut.Password) ?? '', token);
  };

  router.get(SOAP_PATH, (ctx) => {
    ctx.type = 'text/xml; charset=utf-8';
    ctx.body = billingWsdl(`${ctx.protocol}://${ctx.host}${SOAP_PATH}`);
  });
  router.post(SOAP_PATH, async (ctx) => {
    ctx.type = 'text/xml; charset=utf-8';
    let xml: string;
    try {
      xml = await getRawBody(ctx.req, { limit: MAX_BODY, encoding: 'utf8' });
    } catch (err) {
      ctx.status = (err as { status?: number }).status === 413 ? 413 : 400;
      ctx.body = FAULT('Client', ctx.status === 413 ? `request larger than ${MAX_BODY}` : 'unreadable request body');
      return;
    }
    if (!deps.adminToken) {
      ctx.status = 401;
      ctx.body = FAULT('Client', 'the SOAP API is off: set TOLLGATE_ADMIN_TOKEN');
      return;
    }
    try {
      server ??= ready();
      const soap = await server;
      soap.authenticate = (security: unknown, _done?: unknown, req?: { headers?: Record<string, unknown> }) => {
        const ok = authorized(typeof req?.headers?.authorization === 'string' ? req.headers.authorization : undefined, security);
        if (!ok) deps.log.warn({ ip: ctx.ip }, 'SOAP request with bad credentials');
        return ok;
      };
      const res = await soap.processRequest(xml, { url: SOAP_PATH, method: 'POST', headers: { ...ctx.headers } as never });
      if (res.statusCode >= 400 && !/<(?:\w+:)?Fault[\s>]/.test(res.body)) {
        // The soap package answers some unparsable envelopes with a bare stack trace: never show it.
        deps.log.warn({ error: res.body.split('\n')[0] }, 'bad SOAP request');
        ctx.status = 400;
        ctx.body = FAULT('Client', 'bad SOAP request: not an envelope of this service');
        return;
      }
      ctx.status = res.statusCode;
      ctx.body = res.body;
    } catch (err) {
      // The soap package throws for envelopes it cannot parse: still a fault, never a crash.
      deps.log.warn({ err: (err as Error).message }, 'bad SOAP request');
      ctx.status = 400;
      ctx.body = FAULT('Client', `bad SOAP request: ${(err as Error).message.split('\n')[0]}`);
    }
  });
}
