import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { testLog } from '../support/logger.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('health endpoints', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => t.close());

  it('GET /healthz answers while the process runs', async () => {
    const app = createApp({ db: t.db, log: testLog });
    await request(app.callback()).get('/healthz').expect(200, { status: 'ok' });
  });

  it('GET /readyz names each check and answers 503 when one fails', async () => {
    let minerUp = true;
    const app = createApp({ db: t.db, log: testLog, readiness: [{ name: 'miner', check: () => (minerUp ? undefined : 'miner not running') }] });
    const ok = await request(app.callback()).get('/readyz').expect(200);
    assert.deepEqual(ok.body, { status: 'ready', checks: { database: 'ok', miner: 'ok' } });
    minerUp = false;
    const down = await request(app.callback()).get('/readyz').expect(503);
    assert.equal(down.body.checks.miner, 'miner not running');
  });

  it('GET /readyz reports an unreachable database', async () => {
    const other = await createTestDb();
    await other.db.destroy();
    const app = createApp({ db: other.db, log: testLog });
    const res = await request(app.callback()).get('/readyz').expect(503);
    assert.match(res.body.checks.database, /unreachable/);
    other.close().catch(() => undefined);
  });

  it('unknown routes answer JSON 404/405 without leaking internals', async () => {
    const app = createApp({ db: t.db, log: testLog });
    await request(app.callback()).get('/nope').expect(404);
    await request(app.callback()).post('/healthz').expect(405);
  });
});
