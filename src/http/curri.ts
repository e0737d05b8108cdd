import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** A raw Node request handler for the CURRI path. */
export type CurriHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The CURRI (External Call Control) endpoint: `POST` decides a call, `HEAD` (CUCM's keep-alive)
 * answers 200 with no body. Every request on the path from an allowed address gets 200 with a
 * valid XACML response: an unreadable body, one over the size limit or an internal error gets
 * the configured failure decision, logged and counted; never a 4xx or 5xx, which CUCM would
 * treat as a failure of its own. Decisions are taken from memory.
 *
 * It works on Node's request and response directly: the server puts it in front of Koa (CUCM
 * waits on every answer during call set-up, and Koa's context costs about a fifth of a decision),
 * and the app's Koa middleware hands the same requests to it (`src/app.ts`), so both paths run this code.
 */
export function curriHandler(o: CurriOptions): CurriHandler {
  // Strings, not Buffers: Node then sends the head and the body in one write (a Buffer body goes
  // out through writev, which cost a tenth of the server's time in profiles).
  const answer = (xml: string) => ({ xml, length: Buffer.byteLength(xml) });
  const continueXml = answer(encodeCurriResponse({ decision: 'Permit' }));
  const rejectXml = answer(encodeCurriResponse(o.announcement ? { decision: 'Deny', announce: o.announcement } : { decision: 'Deny' }));
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
  const XML_TYPE = 'text/xml; charset=utf-8';

  return async function curri(req, res) {
    const start = process.hrtime.bigint();
    if (allowed && !allowed.has(plainAddress(req.socket.remoteAddress))) {
      // Not a CUCM node: no decision for it, and the connection is not kept.
      o.log.warn({ remote: req.socket.remoteAddress }, 'CURRI request from an address not in TOLLGATE_CURRI_ALLOWED_NODES');
      req.resume();
      res.writeHead(403, { 'Content-Length': 0, Connection: 'close' });
      res.end();
      return;
    }
    if (req.method === 'HEAD') {
      req.resume();
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    let decision: 'continue' | 'reject' = o.failureDecision;
    let why = 'failure';
    let xml = failureXml;
    let close = false;
    try {
      const body = await readBody(req, o.maxBodyBytes);
      if (body === TOO_LARGE) {
        close = true;
        o.log.warn({ limit: o.maxBodyBytes }, 'CURRI request body over the limit: failure decision');
      } else {
        const type = req.headers['content-type'];
        const verdict = o.decide(decodeCurriRequest(body, typeof type === 'string' ? type : ''));
        decision = verdict.action;
        why = verdict.why;
        xml = decision === 'continue' ? continueXml : rejectXml;
        if (verdict.action === 'reject') o.log.info({ partition: verdict.line.partition, extension: verdict.line.extension }, 'CURRI: call from a locked line rejected');
      }
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, `CURRI request not decided: failure decision (${o.failureDecision})`);
    }
    res.writeHead(200, close ? { 'Content-Type': XML_TYPE, 'Content-Length': xml.length, Connection: 'close' } : { 'Content-Type': XML_TYPE, 'Content-Length': xml.length });
    res.end(xml.xml);
    count(decision, why);
    latency[decision].observe(Number(process.hrtime.bigint() - start) / 1e9);
  };
}

/** Sends requests for the CURRI path straight to its handler and every other request to `rest`. */
export function withCurriFirst(path: string, handle: CurriHandler, rest: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) === path) {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
        res.end();
      });
    } else rest(req, res);
  };
}
