import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/** Precompressed copies the build writes, in order of preference. */
const ENCODINGS: ReadonlyArray<readonly [string, string]> = [['br', '.br'], ['gzip', '.gz']];

/**
 * Serves a built front end for GET requests outside /api/ and the health routes.
 *
 * The portal (`web/dist`, no prefix): files by path (hashed assets cached for a year), any other
 * path gets index.html (the app routes in the browser).
 *
 * The gadgets (`gadgets/dist` under `prefix` `/gadgets/`): files by path, a folder gets its
 * index.html (`/gadgets/calls` is redirected to `/gadgets/calls/`), anything else is a 404; the
 * pages may be framed by the Webex web client (embedded apps). Paths that leave the directory are
 * refused.
 *
 * The build writes a Brotli (`.br`) and a gzip (`.gz`) copy beside each compressible file
 * (web/precompress.ts): a client that accepts one gets it, as is, so nothing is compressed on the
 * event loop that also answers CUCM.
 */
export function staticWeb(dir: string, options: { prefix?: string } = {}): Middleware {
  const root = path.resolve(dir);
  const prefix = options.prefix;
  const frameAncestors = prefix ? "'self' https://*.webex.com" : "'none'";
  return async function staticWeb(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path === '/api' || ctx.path === '/healthz' || ctx.path === '/readyz') return next();
    if (prefix && !(ctx.path + '/').startsWith(prefix)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(prefix ? ctx.path.slice(prefix.length - 1) : ctx.path);
    } catch {
      return next();
    }
    const file = path.resolve(root, '.' + rel);
    if (file !== root && !file.startsWith(root + path.sep)) return next();
    let found = await stat(file).catch(() => undefined);
    let target = file;
    if (prefix && found?.isDirectory()) {
      if (!ctx.path.endsWith('/')) return ctx.redirect(ctx.path + '/' + (ctx.querystring ? `?${ctx.querystring}` : ''));
      target = path.join(file, 'index.html');
      found = await stat(target).catch(() => undefined);
    } else if (!prefix && !found?.isFile()) {
      target = path.join(root, 'index.html');
      found = await stat(target).catch(() => undefined);
    }
    if (!found?.isFile()) {
      if (!prefix) return next();
      ctx.status = 404;
      ctx.body = 'not found';
      return;
    }
    ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
    ctx.vary('Accept-Encoding');
    let send = target;
    let size = found.size;
    for (const [encoding, ext] of ENCODINGS) {
      if (ctx.acceptsEncodings(encoding, 'identity') !== encoding) continue;
      const compressed = await stat(target + ext).catch(() => undefined);
      if (!compressed?.isFile()) continue;
      ctx.set('Content-Encoding', encoding);
      send = target + ext;
      size = compressed.size;
      break;
    }
    ctx.length = size;
    ctx.set('Cache-Control', target.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', `default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors ${frameAncestors}`);
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(send);
  };
}
