import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildGadgets, BROWSER_SKIP, launchBrowser, serve } from '../test/support/browser.js';
import { setupGadgets } from '../test/support/gadgets.js';
import { PASSWORD } from '../test/support/portal.js';
import { tempDir } from '../test/support/test-db.js';

/**
 * Gadget benchmark (`npm run bench:gadgets [-- --runs N] [-- --cpu-slowdown K]`): the JavaScript
 * each gadget loads (raw and gzip), then in headless Chromium the time from navigation to the
 * gadget's data on screen (already signed in: the token in localStorage), N runs each, with the
 * CPU slowed K times (default 4: an old Jabber PC), and the latency of each gadget API call over
 * HTTP. Data: the golden calls (test/support/golden.ts). A benchmark, not a test: it prints
 * figures and never fails on them.
 */
const { values } = parseArgs({ options: { runs: { type: 'string' }, 'cpu-slowdown': { type: 'string' } } });
const RUNS = Math.max(3, Number(values.runs ?? '15'));
const SLOWDOWN = Math.max(1, Number(values['cpu-slowdown'] ?? '4'));
const GADGETS = [['calls', 'chart-summary'], ['budget', 'budget-status'], ['lock', 'line-state']] as const;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

const tmp = tempDir('tollgate-bench-');
const dist = buildGadgets(path.join(tmp.dir, 'gadgets'));
console.log('gadget        JS files  raw kB  gzip kB  (budget 100 kB gzip)');
for (const [name] of GADGETS) {
  const html = readFileSync(path.join(dist, name, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/gadgets\/(assets\/[^"]+\.js)"/g)].map((m) => readFileSync(path.join(dist, m[1]!)));
  const raw = files.reduce((n, f) => n + f.length, 0);
  const gz = files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0);
  console.log(`${name.padEnd(13)} ${String(files.length).padStart(8)}  ${(raw / 1024).toFixed(1).padStart(6)}  ${(gz / 1024).toFixed(1).padStart(7)}`);
}

const s = await setupGadgets('sqlite', { gadgetsDir: dist });
const server = await serve(s.app);
try {
  const signIn = await fetch(`${server.base}/api/gadget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
  const { token } = (await signIn.json()) as { token: string };
  console.log(`\nAPI over HTTP (${RUNS * 10} requests each, golden data)   p50 ms  p90 ms`);
  for (const p of ['/api/gadget/me', '/api/gadget/calls?limit=50', '/api/gadget/chart?period=week', '/api/gadget/budgets', '/api/gadget/phone']) {
    const times: number[] = [];
    for (let i = 0; i < RUNS * 10; i++) {
      const t0 = performance.now();
      const res = await fetch(server.base + p, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    console.log(`${p.padEnd(52)} ${pct(times, 50).toFixed(1).padStart(6)}  ${pct(times, 90).toFixed(1).padStart(6)}`);
  }
  if (BROWSER_SKIP) {
    console.log(`\n${BROWSER_SKIP}`);
  } else {
    const browser = await launchBrowser();
    try {
      console.log(`\nopen to data in headless Chromium, CPU ${SLOWDOWN}x slower, ${RUNS} runs   p50 ms  p90 ms`);
      for (const [name, testId] of GADGETS) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const ctx = await browser.newContext();
          await ctx.addInitScript(`localStorage.setItem('tollgate.gadgetToken', ${JSON.stringify(token)})`);
          const page = await ctx.newPage();
          const cdp = await ctx.newCDPSession(page);
          await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
          const t0 = performance.now();
          await page.goto(`${server.base}/gadgets/${name}/`);
          await page.getByTestId(testId).waitFor();
          times.push(performance.now() - t0);
          await ctx.close();
        }
        console.log(`/gadgets/${name}/`.padEnd(64) + `${pct(times, 50).toFixed(0).padStart(6)}  ${pct(times, 90).toFixed(0).padStart(6)}`);
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
  await s.close();
  tmp.remove();
}
