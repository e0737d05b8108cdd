import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { decodeCurriRequest, encodeCurriResponse } from '../../curri/index.js';
import type { CallVerdict } from '../phone-lock/decide-call.js';
import type { Metrics } from './metrics.js';

export interface CurriOptions {
  path: string;
  decide(req: ReturnType<typeof decodeCurriRequest>): CallVerdict;
  /** Decision when the request cannot be read or deciding fails. */
  failureDecision: 'continue' | 'reject';
  announcement?: string;
  maxBodyBytes: number;
  /** Addresses of the CUCM nodes allowed on the path; empty: any. */
  allowedNodes: readonly string[];
  metrics: Metrics;
  log: Logger;
}

const TOO_LARGE = Symbol('too large');

/** Reads the raw body up to `limit` bytes; past it, stops and says so (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** `::ffff:10.0.0.1` → `10.0.0.1`. */
function plainAddress(a: string | undefined): string {
  return a?.startsWith('::ffff:') ? a.slice(7) : (a ?? '');
}

/**
 * The CURRI (External Call Control) endpoint: `POST` decides a call, `HEAD` (CUCM's keep-alive)
 * answers 200 with no body. Every request on the path from an allowed address gets 200 with a
 * valid XACML response: an unreadable body, one over the size limit or an internal error gets
 * the configured failure decision, logged and counted; never a 4xx or 5xx, which CUCM would
 * treat as a failure of its own. Decisions are taken from memory.
 */
export function curriEndpoint(o: CurriOptions): Middleware {
  const continueXml = encodeCurriResponse({ decision: 'Permit' });
  const rejectXml = encodeCurriResponse(o.announcement ? { decision: 'Deny', announce: o.announcement } : { decision: 'Deny' });
  const failureXml = o.failureDecision === 'continue' ? continueXml : rejectXml;
  const allowed = o.allowedNodes.length > 0 ? new Set(o.allowedNodes.map(plainAddress)) : undefined;
  const counters = new Map<string, { inc(): void }>();
  const count = (decision: string, why: string) => {
    const key = decision + '/' + why;
    let c = counters.get(key);
    if (!c) counters.set(key, (c = o.metrics.curriDecisions.labels(decision, why)));
    c.inc();
  };
  const latency = { continue: o.metrics.curriLatency.labels('continue'), reject: o.metrics.curriLatency.labels('reject') };

  return async function curri(ctx, next) {
    if (ctx.path !== o.path) return next();
    const start = process.hrtime.bigint();
    if (allowed && !allowed.has(plainAddress(ctx.req.socket.remoteAddress))) {
      // Not a CUCM node: no decision for it, and the connection is not kept.
      o.log.warn({ remote: ctx.req.socket.remoteAddress }, 'CURRI request from an address not in TOLLGATE_CURRI_ALLOWED_NODES');
      ctx.status = 403;
      ctx.body = '';
      ctx.set('Connection', 'close');
      return;
    }
    ctx.status = 200;
    if (ctx.method === 'HEAD') {
      ctx.body = '';
      return;
    }
    ctx.type = 'text/xml; charset=utf-8';
    let decision: 'continue' | 'reject' = o.failureDecision;
    let why = 'failure';
    let xml = failureXml;
    try {
      const body = await readBody(ctx.req, o.maxBodyBytes);
      if (body === TOO_LARGE) {
        ctx.set('Connection', 'close');
        o.log.warn({ limit: o.maxBodyBytes }, 'CURRI request body over the limit: failure decision');
      } else {
        const verdict = o.decide(decodeCurriRequest(body, ctx.get('content-type')));
        decision = verdict.action;
        why = verdict.why;
        xml = decision === 'continue' ? continueXml : rejectXml;
        if (verdict.action === 'reject') o.log.info({ partition: verdict.line.partition, extension: verdict.line.extension }, 'CURRI: call from a locked line rejected');
      }
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, `CURRI request not decided: failure decision (${o.failureDecision})`);
    }
    ctx.body = xml;
    count(decision, why);
    latency[decision].observe(Number(process.hrtime.bigint() - start) / 1e9);
  };
}
