import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { createTokenService } from '../../src/auth/tokens.js';
import { findUserByUsername } from '../../src/db/queries/portal-users.js';
import { addAccount, PASSWORD, portalApp, SECRET } from '../support/portal.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/**
 * Every route of the OpenAPI document at every permission level: anonymous callers get 401,
 * callers below the route's level get 403, callers at or above it get past the permission check.
 * Gadget routes are called with gadget tokens, and refuse portal tokens.
 */
describe('every portal API route at every permission level', () => {
  let t: TestDb;
  let app: Koa;
  const tokens = createTokenService({ secret: SECRET, sessionTtl: 3600, apiTokenTtl: 3600 });
  before(async () => {
    t = await createTestDb();
    for (const level of [2, 6, 8, 10]) await addAccount(t.db, `l${level}`, `10${level}`, { level });
    app = portalApp(t.db);
  });
  after(async () => t.close());

  /** A fresh bearer token (logout in the loop raises the token version). */
  async function token(level: number): Promise<string> {
    const u = (await findUserByUsername({ db: t.db, username: `l${level}` }))!;
    return tokens.issue({ userId: u.id, version: Number(u.token_version), kind: 'api' }).token;
  }

  /** A fresh gadget token (the gadget sign-out in the loop revokes it). */
  async function gadgetToken(level: number): Promise<string> {
    const res = await request(app.callback()).post('/api/gadget/sessions').send({ username: `l${level}`, password: PASSWORD }).expect(200);
    return res.body.token as string;
  }

  it('refuses below the level and lets through at or above it', async () => {
    const doc = (await request(app.callback()).get('/api/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { description: string }>> };
    let checked = 0;
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const gadget = /Needs a gadget token .* of permission level (\d+)/.exec(op.description)?.[1];
        const needed = gadget ?? /Needs permission level (\d+)/.exec(op.description)?.[1];
        if (needed === undefined) continue;
        const url = p.replace('{id}', '999999').replace('{kind}', 'sites');
        const call = (auth?: string) => {
          const r = request(app.callback())[method as 'get'](url);
          if (auth) r.set('authorization', `Bearer ${auth}`);
          return method === 'get' ? r : r.set('content-type', 'application/json').send('{}');
        };
        const anon = await call();
        assert.equal(anon.status, 401, `${method} ${p} anonymous: ${anon.status}`);
        if (gadget) {
          const portalToken = await call(await token(10));
          assert.equal(portalToken.status, 401, `${method} ${p} with a portal token: ${portalToken.status}`);
        }
        for (const level of [2, 6, 8, 10]) {
          const res = await call(gadget ? await gadgetToken(level) : await token(level));
          if (level < Number(needed)) {
            assert.equal(res.status, 403, `${method} ${p} at level ${level}: ${res.status} ${JSON.stringify(res.body)}`);
            assert.equal(res.body.error.code, 'forbidden');
          } else {
            assert.ok(![401, 403].includes(res.status), `${method} ${p} at level ${level}: ${res.status} ${JSON.stringify(res.body)}`);
          }
          checked++;
        }
      }
    }
    assert.ok(checked >= 4 * 25, `only ${checked / 4} routes checked`);
  });
});
