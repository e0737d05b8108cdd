import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import request from 'supertest';
import { addAccount, addSite, apiToken, portalApp } from '../support/portal.js';
import { createTestDb, PG_SKIP, type TestDb } from '../support/test-db.js';

const HEADER = 'username;site;first_name;last_name;email;department;extension;level;devices';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`user management API (${kind})`, { skip: kind === 'postgres' ? PG_SKIP : false }, () => {
    let t: TestDb;
    let app: Koa;
    let root: string;
    before(async () => {
      t = await createTestDb(kind);
      await addSite(t.db, 'HQ');
      await addAccount(t.db, 'root', '1000', { level: 10 });
      app = portalApp(t.db);
      root = await apiToken(app, 'root');
    });
    after(async () => t.close());
    const as = (method: 'get' | 'post' | 'patch' | 'delete', path: string) => request(app.callback())[method](path).set('authorization', `Bearer ${root}`);

    it('creates, reads, searches, edits and deletes a user; bad fields are named with their value', async () => {
      const created = await as('post', '/api/users').send({
        username: 'mrossi', first_name: 'Mario', last_name: 'Rossi', email: 'm.rossi@example.it', department: 'Vendite', site: 'HQ',
        extension: '2001', fax_extension: '2901', fax_billing: false, devices: ['SEP001122334455'], level: 6, custom_3: 'badge 42', password: 'initial password 1',
      }).expect(201);
      assert.equal(created.body.site, 'HQ');
      assert.deepEqual(created.body.devices, ['SEP001122334455']);
      assert.equal(created.body.custom[2], 'badge 42');
      assert.equal(created.body.must_change_password, true);
      assert.equal(created.body.fax_billing, false);
      const id = created.body.id;
      await as('post', '/api/users').send({ username: 'mrossi' }).expect(409);
      const bad = await as('post', '/api/users').send({ username: 'x', email: 'not-mail', level: 5, extension: 'a b' }).expect(400);
      assert.match(bad.body.error.message, /body\.email: not an e-mail address \(got "not-mail"\)/);
      assert.match(bad.body.error.message, /body\.level: must be one of 0, 2, 6, 8, 10 \(got 5\)/);
      const found = await as('get', '/api/users?q=ross').expect(200);
      assert.deepEqual(found.body.users.map((u: { username: string }) => u.username), ['mrossi']);
      assert.equal((await as('get', '/api/users?department=Vendite&level=6').expect(200)).body.total, 1);
      assert.equal((await as('get', '/api/users?level=8').expect(200)).body.total, 0);
      const edited = await as('patch', `/api/users/${id}`).send({ department: 'Acquisti', level: 2, extra_departments: 'Vendite' }).expect(200);
      assert.equal(edited.body.department, 'Acquisti');
      assert.equal(edited.body.first_name, 'Mario', 'fields not sent stay');
      assert.deepEqual(edited.body.devices, ['SEP001122334455']);
      const reset = await as('post', `/api/users/${id}/password`).send({}).expect(200);
      assert.ok(reset.body.password.length >= 16);
      await request(app.callback()).post('/api/sessions').send({ username: 'mrossi', password: reset.body.password }).expect(200);
      await as('delete', `/api/users/${id}`).expect(204);
      await as('get', `/api/users/${id}`).expect(404);
      await as('patch', '/api/users/0').send({}).expect(400);
      const me = (await as('get', '/api/me').expect(200)).body;
      assert.match((await as('patch', `/api/users/${me.id}`).send({ level: 8 }).expect(400)).body.error.message, /own level/);
      assert.match((await as('patch', `/api/users/${me.id}`).send({ disabled: true }).expect(400)).body.error.message, /disable yourself/);
      await as('delete', `/api/users/${me.id}`).expect(400);
    });

    it('imports nothing from a file with bad lines, reporting each one; partial=true imports the good lines', async () => {
      const csv = '\uFEFF' + [HEADER, 'anna;HQ;Anna;Bianchi;anna@example.it;Vendite;3001;2;SEPAAA', 'bad1;NOPE;B;C;;X;3002;2;', 'bad2;HQ;B;C;mail@;X;3003;7;', 'luca;HQ;Luca;Verdi;;IT;3004;8;'].join('\r\n') + '\r\n';
      const r = await as('post', '/api/users/import').set('content-type', 'text/csv').send(csv).expect(422);
      assert.equal(r.body.error.code, 'import_rejected');
      const details = r.body.error.details as Array<{ line: number; column: string; message: string }>;
      assert.deepEqual(details.map((d) => [d.line, d.column]), [[3, 'site'], [4, 'email'], [4, 'level']]);
      assert.match(details[0]!.message, /site "NOPE" does not exist/);
      assert.equal((await as('get', '/api/users?q=anna').expect(200)).body.total, 0, 'nothing imported');
      const p = await as('post', '/api/users/import?partial=true').set('content-type', 'text/csv').send(csv).expect(200);
      assert.equal(p.body.imported, 2);
      assert.equal(p.body.problems.length, 3);
      assert.equal((await as('get', '/api/users?q=luca').expect(200)).body.users[0].level, 8);
    });

    it('exports CSV/TSV for Excel (BOM, CRLF, ; or tab) that imports back unchanged', async () => {
      await as('post', '/api/users').send({ username: 'élodie', first_name: 'Élodie', last_name: "D'Été; \"Jr\"", department: 'R&D, Paris', extension: '4001', devices: ['SEPB1', 'SEPB2'], level: 6 }).expect(201);
      for (const [q, sep] of [['format=csv&delimiter=semicolon', ';'], ['format=csv', ','], ['format=tsv', '\t']] as const) {
        const exp = await as('get', `/api/users/export?${q}`).buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
        }).expect(200);
        const text = exp.body as string;
        assert.equal(text.charCodeAt(0), 0xfeff);
        assert.ok(text.includes('\r\n'));
        assert.ok(text.split('\r\n')[0]!.split(sep).length > 20, `header split by ${JSON.stringify(sep)}`);
        const before = (await as('get', '/api/users?limit=1000').expect(200)).body.users;
        const back = await as('post', '/api/users/import').set('content-type', 'text/csv').send(text).expect(200);
        assert.equal(back.body.created, 0);
        assert.equal(back.body.updated, before.length);
        const after = (await as('get', '/api/users?limit=1000').expect(200)).body.users;
        const strip = (u: Record<string, unknown>) => ({ ...u, last_login_at: null });
        assert.deepEqual(after.map(strip), before.map(strip));
      }
      const elodie = (await as('get', '/api/users?q=lodie').expect(200)).body.users[0];
      assert.equal(elodie.last_name, "D'Été; \"Jr\"");
      assert.deepEqual(elodie.devices, ['SEPB1', 'SEPB2']);
    });

    it('refuses user management below level 10 and without CSRF on cookie sessions', async () => {
      await addAccount(t.db, 'viewer', '1999', { level: 8 });
      const tok = await apiToken(app, 'viewer');
      await request(app.callback()).post('/api/users/import').set('authorization', `Bearer ${tok}`).send('username\nx\n').expect(403);
      const agent = request.agent(app.callback());
      await agent.post('/api/sessions').send({ username: 'root', password: 'correct horse battery' }).expect(200);
      await agent.post('/api/users').send({ username: 'csrf-victim' }).expect(403);
      assert.equal((await as('get', '/api/users?q=csrf-victim').expect(200)).body.total, 0);
    });
  });
}
