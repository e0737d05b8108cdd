import type Router from '@koa/router';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { setDeviceAddress } from '../db/queries/lock-directory.js';
import { findUserByUsername } from '../db/queries/portal-users.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { PinService } from '../phone-lock/pin-service.js';
import type { PhoneLock } from '../phone-lock/service.js';
import { readJson } from './json-body.js';

export interface LockApiDeps {
  db: Db;
  phoneLock: PhoneLock;
  pins: PinService;
  adminToken?: string;
}

export const extensionSchema = z.string().regex(/^\+?[0-9A-Za-z*#]{1,50}$/, 'must be an extension');
export const partitionSchema = z.string().max(50).default('');
const lockBody = z.object({
  partition: partitionSchema,
  reason: z.enum(['admin', 'budget', 'user']).default('admin'),
  who: z.string().min(1).max(128).default('api'),
}).strict();
const historyQuery = z.object({ partition: partitionSchema, limit: z.coerce.number().int().min(1).max(1000).default(100) });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw ValidationError(r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
  return r.data;
}

/**
 * The Phone Lock JSON API under `/api/v1`, behind the bearer token `TOLLGATE_ADMIN_TOKEN` (see
 * app.ts; until the portal brings logins): line status, lock, unlock and history; set or reset a PIN;
 * the address a device is pushed to.
 */
export function lockApiRoutes(router: Router, deps: LockApiDeps): void {
  router.get('/api/v1/lines/:extension', async (ctx) => {
    const extension = parse(extensionSchema, ctx.params.extension);
    const { partition } = parse(historyQuery, ctx.query);
    ctx.body = await deps.phoneLock.status({ partition, extension });
  });

  router.get('/api/v1/lines/:extension/history', async (ctx) => {
    const extension = parse(extensionSchema, ctx.params.extension);
    const { partition, limit } = parse(historyQuery, ctx.query);
    ctx.body = { partition, extension, history: await deps.phoneLock.history({ partition, extension }, limit) };
  });

  for (const action of ['lock', 'unlock'] as const) {
    router.post(`/api/v1/lines/:extension/${action}`, async (ctx) => {
      const extension = parse(extensionSchema, ctx.params.extension);
      const body = await readJson(ctx, lockBody);
      const line = { partition: body.partition, extension };
      const r = await deps.phoneLock.setLock({ line, reason: body.reason, locked: action === 'lock', who: body.who, channel: 'api' });
      ctx.body = { ...(await deps.phoneLock.status(line)), changed: r.changed };
    });
  }

  router.put('/api/v1/users/:username/pin', async (ctx) => {
    const body = await readJson(ctx, z.object({ pin: z.string() }).strict());
    if (!deps.pins.isValid(body.pin)) throw ValidationError(`pin: must be ${deps.pins.length} digits`);
    const user = await findUserByUsername({ db: deps.db, username: String(ctx.params.username) });
    if (!user) throw NotFoundError('user');
    ctx.body = { username: user.username, pin: await deps.pins.set(Number(user.id), body.pin, 'api') };
  });

  router.put('/api/v1/devices/:device/address', async (ctx) => {
    const body = await readJson(ctx, z.object({ address: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,255}$/, 'must be an IP address or host[:port]').nullable() }).strict());
    if (!(await setDeviceAddress({ db: deps.db, device: String(ctx.params.device), address: body.address }))) throw NotFoundError('device');
    await deps.phoneLock.refreshDirectory();
    ctx.body = { device: ctx.params.device, address: body.address };
  });
}
