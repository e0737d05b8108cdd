import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createRng } from '../src/demo/rng.js';
import { CURRI_BENCH_HEADERS, curriBenchBodies, prepareCurriBench } from './curri-fixture.js';

/**
 * Instructions per CURRI request, independent of the machine's load (`npm run
 * bench:curri-instructions [-- --requests N]`; needs valgrind). Each server of `bench:curri`
 * (tollgate's `/curri`, the bare Koa route) runs under callgrind with instrumentation off; after
 * a warm-up of 10,000 requests (JIT) it is switched on, the counters are zeroed, N requests are
 * sent (same seeded bodies, closed loop over one keep-alive connection; `--connections N` for
 * more, but then how many requests share an event-loop turn depends on timing and counts vary)
 * and the counters are dumped (`--keep DIR` keeps the dumps for callgrind_annotate). The lock
 * poll and the directory refresh are slowed to 5 s and 1 h (valgrind runs about 50× slower, so
 * timers would weigh 50× more than at full speed); tollgate's counts still hold its polls (a few
 * per cent). Counts are user-space instructions of the server process (the kernel's share of a
 * request, about the same for both, is not in them). A benchmark: it prints figures, never fails.
 */
const { values } = parseArgs({ options: { requests: { type: 'string' }, mode: { type: 'string' }, keep: { type: 'string' }, connections: { type: 'string' } } });
/** One connection by default: one request per event-loop turn, the same turns on every run. */
const CONNECTIONS = Math.max(1, Number(values.connections ?? 1));
const REQUESTS = Math.max(500, Number(values.requests ?? 4000));
const WARM_UP = 10_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const bodies = curriBenchBodies(createRng(4).next);

function startServer(mode: 'bare' | 'curri', dbFile: string, outDir: string): Promise<ChildProcess & { port: number }> {
  const child = spawn('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${path.join(outDir, `${mode}.%p`)}`,
    process.execPath, '--import', 'tsx', path.join(HERE, 'curri-server.ts'), '--mode', mode, '--db', dbFile,
  ], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Under valgrind a second holds ~50× fewer requests: background timers would weigh 50× more.
    env: { ...process.env, TOLLGATE_LOCK_POLL_MS: '5000', TOLLGATE_LOCK_DIRECTORY_REFRESH_MS: '3600000' },
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Object.assign(child, { port: Number(m[1]) }));
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}: ${err.slice(-2000)}`)));
  });
}

/** Sends `count` requests over CONNECTIONS keep-alive connections, each waiting for its answer. */
async function send(port: number, urlPath: string, count: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    const body = bodies[next++ & 4095]!;
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { ...CURRI_BENCH_HEADERS, 'content-length': body.length } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < count) await one();
  }));
  agent.destroy();
}

/** `callgrind_control` drives the running server (zero the counters, switch instrumentation, dump). */
const control = (pid: number, ...args: string[]) => run('callgrind_control', [...args, String(pid)]);

/**
 * The instruction totals of the `n`th dump of the server of `mode`: of the main thread (the
 * JavaScript, the HTTP parser, the scavenges) and of all threads (also V8's background
 * compilation and concurrent marking, which come in bursts and make counts vary between runs).
 */
async function dumped(outDir: string, mode: string, n: number): Promise<{ main: number; all: number }> {
  const files = (await readdir(outDir)).filter((f) => f.startsWith(`${mode}.`) && f.includes(`.${n}-`));
  if (files.length === 0) throw new Error(`no callgrind dump ${n} for ${mode}`);
  const out = { main: 0, all: 0 };
  for (const file of files) {
    const total = Number(/^(?:summary|totals):\s*(\d+)/m.exec(await readFile(path.join(outDir, file), 'utf8'))?.[1] ?? NaN);
    if (Number.isNaN(total)) throw new Error(`no totals in ${file}`);
    out.all += total;
    if (file.endsWith('-01')) out.main = total;
  }
  return out;
}

async function measure(mode: 'bare' | 'curri', dbFile: string, outDir: string): Promise<{ main: number; all: number }> {
  const server = await startServer(mode, dbFile, outDir);
  try {
    const urlPath = mode === 'curri' ? '/curri' : '/';
    await send(server.port, urlPath, WARM_UP);
    await control(server.pid!, '--instr=on');
    await send(server.port, urlPath, 500);
    await control(server.pid!, '--zero');
    await send(server.port, urlPath, REQUESTS);
    await control(server.pid!, '--dump');
    const total = await dumped(outDir, mode, 1);
    return { main: total.main / REQUESTS, all: total.all / REQUESTS };
  } finally {
    server.removeAllListeners('exit');
    server.kill('SIGKILL');
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-curri-ir-'));
try {
  const dbFile = path.join(dir, 'bench.db');
  await prepareCurriBench(dbFile);
  const modes: ReadonlyArray<'bare' | 'curri'> = values.mode === 'bare' || values.mode === 'curri' ? [values.mode] : ['bare', 'curri'];
  const perRequest: Record<string, number> = {};
  for (const mode of modes) {
    const m = await measure(mode, dbFile, values.keep ?? dir);
    perRequest[mode] = m.main;
    const n = (x: number) => Math.round(x).toLocaleString('en');
    console.log(`${mode.padEnd(5)}  main thread ${n(m.main)} instructions/request, all threads ${n(m.all)} (server process, user space, ${REQUESTS} requests over ${CONNECTIONS} keep-alive connection(s))`);
  }
  if (perRequest.bare && perRequest.curri) console.log(`main-thread instructions per request curri/bare: ${(perRequest.curri / perRequest.bare).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
