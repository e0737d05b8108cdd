import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { decodeCurriResponse } from '../curri/index.js';
import { CURRI_BENCH_HEADERS, curriBenchBodies, prepareCurriBench } from './curri-fixture.js';

/**
 * CURRI benchmark (`npm run bench:curri [-- --seconds N]`). 10,000 lines (one user, device and
 * extension each), 1% locked. Each server runs in its own process; this process is the load:
 *   (1) saturation: autocannon, 20 keep-alive connections, realistic requests from random lines;
 *   (2) open loop: 1,000 requests/s over 8 keep-alive connections, sent on schedule whether or
 *       not earlier answers came back; latency counts from the scheduled time (no coordinated
 *       omission).
 * Both against tollgate (`/curri`) and against a bare Koa route that reads the body and answers
 * a constant XACML response (`--cpu-prof` profiles both servers). Both servers run at once and
 * are measured in alternating slices of 2 s, so that load from other processes on a shared
 * machine falls on both alike. Targets: throughput ≥ 0.8× bare; p99 ≤ 1.5× bare p99 and ≤ 10 ms.
 * A benchmark, not a test: it prints figures and never fails on them.
 */
const { values } = parseArgs({ options: { seconds: { type: 'string' }, 'cpu-prof': { type: 'boolean' } } });
const SECONDS = Math.max(2, Number(values.seconds ?? 8));
const HERE = path.dirname(fileURLToPath(import.meta.url));

function startServer(mode: 'bare' | 'curri', dbFile: string): Promise<{ port: number; child: ChildProcess }> {
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(tmpdir(), `tollgate-curri-prof-${mode}`)}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(HERE, 'curri-server.ts'), '--mode', mode, '--db', dbFile], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

const bodies = curriBenchBodies();
const HEADERS = CURRI_BENCH_HEADERS;

/** User + system CPU time of a server process so far, in µs. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as NodeJS.CpuUsage).user + (m as NodeJS.CpuUsage).system));
    child.send('cpu');
  });
}

async function saturate(port: number, path: string, seconds: number): Promise<{ rps: number; p99: number; total: number }> {
  let n = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${path}`, connections: 20, duration: seconds, method: 'POST', headers: HEADERS,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[n++ & 4095]! }) }],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`saturation: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p99: r.latency.p99, total: r.requests.total };
}

/** Open loop: sends on a fixed schedule; latency from the scheduled send time. */
async function openLoop(port: number, path: string, rate: number, seconds: number): Promise<{ latencies: number[]; decisions: Record<string, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const total = rate * seconds;
  const latencies: number[] = [];
  const decisions: Record<string, number> = {};
  const start = performance.now() + 50;
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    let k = 0;
    const tick = () => {
      const now = performance.now();
      while (k < total && start + (k * 1000) / rate <= now) {
        const scheduled = start + (k * 1000) / rate;
        const body = bodies[k & 4095]!;
        k++;
        const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...HEADERS, 'content-length': body.length } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            latencies.push(performance.now() - scheduled);
            const d = res.statusCode === 200 ? decodeCurriResponse(text).decision : `HTTP ${res.statusCode}`;
            decisions[d] = (decisions[d] ?? 0) + 1;
            if (++done === total) resolve();
          });
        });
        req.on('error', reject);
        req.end(body);
      }
      if (k < total) setTimeout(tick, Math.max(0, start + (k * 1000) / rate - performance.now()));
    };
    tick();
  });
  agent.destroy();
  return { latencies, decisions };
}

const SLICE = 2;
const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-curri-'));
const dbFile = path.join(dir, 'bench.db');
const children: ChildProcess[] = [];
try {
  await prepareCurriBench(dbFile);
  const servers = { bare: { ...(await startServer('bare', dbFile)), path: '/' }, curri: { ...(await startServer('curri', dbFile)), path: '/curri' } };
  for (const s of Object.values(servers)) children.push(s.child);
  const modes = ['bare', 'curri'] as const;
  for (const m of modes) await openLoop(servers[m].port, servers[m].path, 500, 2); // warm-up (JIT, connections)
  const rounds = Math.max(1, Math.round(SECONDS / SLICE));
  const sat = { bare: [] as Array<{ rps: number; p99: number; total: number }>, curri: [] as Array<{ rps: number; p99: number; total: number }> };
  const cpu = { bare: 0, curri: 0 };
  const ol = { bare: [] as number[], curri: [] as number[] };
  const decisions = { bare: {} as Record<string, number>, curri: {} as Record<string, number> };
  for (let r = 0; r < rounds; r++) {
    for (const m of r % 2 ? [...modes].reverse() : modes) {
      const before = await cpuOf(servers[m].child);
      sat[m].push(await saturate(servers[m].port, servers[m].path, SLICE));
      cpu[m] += (await cpuOf(servers[m].child)) - before;
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const m of r % 2 ? [...modes].reverse() : modes) {
      const o = await openLoop(servers[m].port, servers[m].path, 1000, SLICE);
      ol[m].push(...o.latencies);
      for (const [k, v] of Object.entries(o.decisions)) decisions[m][k] = (decisions[m][k] ?? 0) + v;
    }
  }
  const results = Object.fromEntries(modes.map((m) => {
    const lat = ol[m].sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    const rps = sat[m].reduce((a, x) => a + x.rps, 0) / sat[m].length;
    const r = { cpuPerRequest: 0, rps, satP99: Math.max(...sat[m].map((x) => x.p99)), p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1]! };
    const cpuPerRequest = cpu[m] / sat[m].reduce((a, x) => a + x.total, 0);
    console.log(`${m.padEnd(5)}  saturation (20 conn): ${Math.round(rps)} req/s (slices ${sat[m].map((x) => Math.round(x.rps)).join(', ')}; server CPU ${cpuPerRequest.toFixed(1)} µs/request)  |  open loop 1000 req/s over 8 conn: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms  ${JSON.stringify(decisions[m])}`);
    r.cpuPerRequest = cpuPerRequest;
    return [m, r];
  })) as unknown as Record<(typeof modes)[number], { rps: number; p99: number; cpuPerRequest: number }>;
  const ratio = results.curri.rps / results.bare.rps;
  console.log(`server CPU per request curri/bare: ${(results.curri.cpuPerRequest / results.bare.cpuPerRequest).toFixed(2)} (the throughput a server-bound run would show: ${(results.bare.cpuPerRequest / results.curri.cpuPerRequest).toFixed(2)}x bare)`);
  const p99Ratio = results.curri.p99 / results.bare.p99;
  console.log(`throughput ratio curri/bare: ${ratio.toFixed(2)} (target >= 0.80) ${ratio >= 0.8 ? 'OK' : 'MISSED'}`);
  console.log(`open-loop p99 ratio curri/bare: ${p99Ratio.toFixed(2)} (target <= 1.50) ${p99Ratio <= 1.5 ? 'OK' : 'MISSED'}; curri p99 ${results.curri.p99.toFixed(2)} ms (target <= 10 ms) ${results.curri.p99 <= 10 ? 'OK' : 'MISSED'}`);
} finally {
  for (const c of children) {
    c.removeAllListeners('exit');
    c.kill();
  }
  await rm(dir, { recursive: true, force: true });
}
