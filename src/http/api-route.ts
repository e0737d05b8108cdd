import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { readJson } from './body.js';
import { parseInput } from './validate.js';
import { requireLevel, authOf, type AuthState } from './auth.js';

/**
 * One JSON API route: its zod schemas validate the request and describe it in the OpenAPI
 * document, so the two cannot drift apart. `level` is the permission level needed (undefined:
 * anonymous allowed, 0: any logged-in user).
 */
export interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  level?: number;
  /** `gadget`: the caller is found by a gadget token (src/http/gadget-auth.ts), not a portal session or API token. */
  token?: 'gadget';
  query?: Q;
  body?: B;
  /** Raw text body (CSV) instead of JSON. */
  textBody?: string;
  response?: z.ZodType;
  /** Content type of a non-JSON answer (CSV export). */
  produces?: string;
}

export interface RouteInput<Q, B> {
  ctx: Context;
  query: Q;
  body: B;
  params: Record<string, string>;
  auth: AuthState | undefined;
  /** The JSON body as sent (before defaults): which fields a PATCH names. */
  raw: unknown;
}

export interface ApiRegistry {
  routes: Array<RouteSpec<z.ZodType, z.ZodType>>;
  add<Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodObject>(
    router: Router, spec: RouteSpec<Q, B>, handler: (input: RouteInput<z.infer<Q>, z.infer<B>> & { auth: AuthState }) => Promise<unknown>,
  ): void;
}

export function createApiRegistry(): ApiRegistry {
  const routes: ApiRegistry['routes'] = [];
  return {
    routes,
    add(router, spec, handler) {
      routes.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType>);
      const koaPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
      router[spec.method](koaPath, async (ctx: Context) => {
        const auth = spec.level === undefined ? (ctx.state as { auth?: AuthState }).auth : spec.level === 0 ? authOf(ctx) : requireLevel(ctx, spec.level);
        const query = spec.query ? parseInput(spec.query, ctx.query, 'query') : {};
        const raw = spec.body ? await readJson(ctx) : undefined;
        const body = spec.body ? parseInput(spec.body, raw, 'body') : undefined;
        const result = await handler({ ctx, query, body, raw, params: (ctx as unknown as { params: Record<string, string> }).params ?? {}, auth: auth as AuthState } as never);
        if (result === undefined) {
          if (ctx.body === undefined) ctx.status = 204;
        } else {
          ctx.body = result;
        }
      });
    },
  };
}

/** The OpenAPI 3.1 document of the registered routes. */
export function openApiDocument(registry: ApiRegistry, info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (s: z.ZodType, io: 'input' | 'output') => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    return rest;
  };
  for (const r of registry.routes) {
    const parameters: unknown[] = [];
    for (const m of r.path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
    if (r.query) {
      const s = json(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: 'query', required: (s.required ?? []).includes(name), schema });
      }
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters,
      description: r.level === undefined ? 'No login needed.'
        : r.token === 'gadget' ? `Needs a gadget token (POST /api/gadget/sessions or /api/gadget/webex) of permission level ${r.level} or more.` : `Needs permission level ${r.level} or more.`,
      ...(r.level !== undefined ? { security: r.token === 'gadget' ? [{ gadget: [] }] : [{ cookie: [] }, { bearer: [] }] } : {}),
      responses: {
        [r.response || r.produces ? '200' : '204']: r.produces
          ? { description: 'OK', content: { [r.produces]: { schema: { type: 'string' } } } }
          : r.response ? { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } } : { description: 'Done' },
        '400': { description: 'Invalid input: the message names each field and value', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ...(r.level !== undefined ? { '401': { description: 'Not logged in, or token expired/revoked' }, '403': { description: 'Permission level too low, CSRF check failed or password change required' } } : {}),
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } };
    if (r.textBody) op.requestBody = { required: true, content: { [r.textBody]: { schema: { type: 'string' } } } };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tollgate portal API', version: info.version, description: 'Portal sessions use an httpOnly cookie plus the x-csrf-token header on state-changing requests; API clients send `Authorization: Bearer <token>` from POST /api/sessions with kind "api".' },
    components: {
      securitySchemes: {
        cookie: { type: 'apiKey', in: 'cookie', name: 'tollgate_session' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        gadget: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a gadget token, only for /api/gadget/' },
      },
      schemas: { Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } } } },
    },
    paths,
  };
}
