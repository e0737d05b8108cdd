import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/**
 * Serves the built portal (`web/dist`) for GET requests outside /api/ and the health routes:
 * files by path (hashed assets cached for a year), any other path gets index.html (the app
 * routes in the browser). Paths that leave the directory are refused.
 */
export function staticWeb(dir: string): Middleware {
  const root = path.resolve(dir);
  return async function staticWeb(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path === '/api' || ctx.path === '/healthz' || ctx.path === '/readyz') return next();
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return next();
    }
    const file = path.resolve(root, '.' + rel);
    if (file !== root && !file.startsWith(root + path.sep)) return next();
    const found = await stat(file).catch(() => undefined);
    const target = found?.isFile() ? file : path.join(root, 'index.html');
    const s = found?.isFile() ? found : await stat(target).catch(() => undefined);
    if (!s?.isFile()) return next();
    ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
    ctx.length = s.size;
    ctx.set('Cache-Control', target.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(target);
  };
}
