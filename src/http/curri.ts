import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { decodeCurriRequest, encodeCurriResponse } from '../../curri/index.js';
import type { CallVerdict } from '../phone-lock/decide-call.js';
import type { CurriWhy, Metrics } from './metrics.js';

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

/** `::ffff:10.0.0.1` → `10.0.0.1`. */
function plainAddress(a: string | undefined): string {
  return a?.startsWith('::ffff:') ? a.slice(7) : (a ?? '');
}

/** A raw Node request handler for the CURRI path. It answers every request itself and never throws. */
export type CurriHandler = (req: IncomingMessage, res: ServerResponse) => void;

const EMPTY = Buffer.alloc(0);
const XML_TYPE = 'text/xml; charset=utf-8';

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
 * The body is read with listeners shared by all requests (no promise or closure per request):
 * this runs for every call CUCM routes.
 */
export function curriHandler(o: CurriOptions): CurriHandler {
  // Strings, not Buffers: Node then sends the head and the body in one write (a Buffer body goes
  // out through writev, which cost a tenth of the server's time in profiles).
  const answer = (xml: string) => ({ xml, length: Buffer.byteLength(xml) });
  const continueXml = answer(encodeCurriResponse({ decision: 'Permit' }));
  const rejectXml = answer(encodeCurriResponse(o.announcement ? { decision: 'Deny', announce: o.announcement } : { decision: 'Deny' }));
  const failureXml = o.failureDecision === 'continue' ? continueXml : rejectXml;
  const allowed = o.allowedNodes.length > 0 ? new Set(o.allowedNodes.map(plainAddress)) : undefined;
  const latency = { continue: o.metrics.curriLatency.labels('continue'), reject: o.metrics.curriLatency.labels('reject') };
  const maxBody = o.maxBodyBytes;

  /** Sends the XACML answer and counts it (`close`: the connection is not kept). */
  function send(res: ServerResponse, decision: 'continue' | 'reject', why: CurriWhy, close: boolean, start: bigint): void {
    const xml = decision === 'continue' ? continueXml : rejectXml;
    try {
      res.writeHead(200, close ? { 'Content-Type': XML_TYPE, 'Content-Length': xml.length, Connection: 'close' } : { 'Content-Type': XML_TYPE, 'Content-Length': xml.length });
      res.end(xml.xml);
    } catch (err) {
      // This runs in stream callbacks: nothing may escape (the socket is gone, most likely).
      o.log.warn({ err: (err as Error).message }, 'CURRI answer not sent');
      res.destroy();
    }
    o.metrics.countCurriDecision(decision, why);
    latency[decision].observe(Number(process.hrtime.bigint() - start) / 1e9);
  }

  function fail(res: ServerResponse, close: boolean, start: bigint): void {
    send(res, failureXml === continueXml ? 'continue' : 'reject', 'failure', close, start);
  }

  function decide(req: IncomingMessage, res: ServerResponse, body: Buffer, start: bigint): void {
    let verdict: CallVerdict;
    try {
      const type = req.headers['content-type'];
      verdict = o.decide(decodeCurriRequest(body, typeof type === 'string' ? type : ''));
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, `CURRI request not decided: failure decision (${o.failureDecision})`);
      fail(res, false, start);
      return;
    }
    if (verdict.action === 'reject') o.log.info({ partition: verdict.line.partition, extension: verdict.line.extension }, 'CURRI: call from a locked line rejected');
    send(res, verdict.action, verdict.why, false, start);
  }

  function tooLarge(res: ServerResponse, start: bigint): void {
    o.log.warn({ limit: maxBody }, 'CURRI request body over the limit: failure decision');
    fail(res, true, start);
  }

  const handler: BodyHandler = {
    decide,
    tooLarge,
    failed(err, res, start) {
      o.log.warn({ err: err.message }, `CURRI request not decided: failure decision (${o.failureDecision})`);
      fail(res, false, start);
    },
  };

  return function curri(req, res) {
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
    if (Number(req.headers['content-length']) > maxBody) {
      // Not read: the rest of the body is discarded.
      req.resume();
      tooLarge(res, start);
      return;
    }
    // The raw body up to the limit; past it, reading stops (the rest is discarded).
    (req as Reading)[BODY] = { first: undefined, chunks: undefined, size: 0, limit: maxBody, res, start, handler };
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
  };
}

/** What a CURRI request's body read reports to (made once per handler). */
interface BodyHandler {
  decide(req: IncomingMessage, res: ServerResponse, body: Buffer, start: bigint): void;
  tooLarge(res: ServerResponse, start: bigint): void;
  failed(err: Error, res: ServerResponse, start: bigint): void;
}

/**
 * A body being read, kept on its request under a symbol: the listeners below are shared by all
 * requests, so no closure is made per request (each costs an allocation, and under tsx, which
 * keeps function names, a defineProperty too).
 */
interface BodyRead {
  first: Buffer | undefined;
  chunks: Buffer[] | undefined;
  size: number;
  limit: number;
  res: ServerResponse;
  start: bigint;
  handler: BodyHandler;
}
const BODY = Symbol('CURRI body');
type Reading = IncomingMessage & { [BODY]?: BodyRead | undefined };

function onBodyData(this: Reading, chunk: Buffer): void {
  const r = this[BODY]!;
  r.size += chunk.length;
  if (r.size > r.limit) {
    stopReading(this);
    r.handler.tooLarge(r.res, r.start);
  } else if (r.first === undefined) r.first = chunk;
  else (r.chunks ??= [r.first]).push(chunk);
}

function onBodyEnd(this: Reading): void {
  const r = stopReading(this);
  r.handler.decide(this, r.res, r.chunks ? Buffer.concat(r.chunks, r.size) : (r.first ?? EMPTY), r.start);
}

/** An aborted request ends here too (Node emits 'error' when someone listens for it). */
function onBodyError(this: Reading, err: Error): void {
  const r = stopReading(this);
  r.handler.failed(err, r.res, r.start);
}

function stopReading(req: Reading): BodyRead {
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
  const r = req[BODY]!;
  req[BODY] = undefined;
  return r;
}

/** Sends requests for the CURRI path straight to its handler and every other request to `rest`. */
export function withCurriFirst(path: string, handle: CurriHandler, rest: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) === path) {
      try {
        handle(req, res);
      } catch {
        if (!res.headersSent) res.writeHead(200, { 'Content-Type': XML_TYPE });
        res.end();
      }
    } else rest(req, res);
  };
}
