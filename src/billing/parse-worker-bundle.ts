import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The CDR parser worker as one plain JavaScript file, so that a worker starts without tsx.
 *
 * Through tsx a worker starts its own loader thread and compiles each of the parser's ~30
 * TypeScript modules: some 0.8 s of CPU before it parses a line, spent while `tollgate import`
 * copies and hashes the file (the two cores are busy then, so it lengthened that step by about
 * half a second on a 700 MB file). From this bundle it takes about a third of that.
 *
 * `npm ci` builds it (the `prepare` script; also `npm run build:worker`) into
 * node_modules/.cache/tollgate, with a manifest of the SHA-256 of every source file it was built
 * from. A worker uses it only while every one of those files is unchanged; otherwise (a source
 * edited since, no bundle, a read-only node_modules) the worker loads the TypeScript through tsx as
 * before: slower to start, never out of date.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ENTRY = path.join(HERE, 'parse-worker.ts');
export const DEFAULT_BUNDLE_DIR = path.join(ROOT, 'node_modules', '.cache', 'tollgate');
const BUNDLE = 'parse-worker.mjs';
const MANIFEST = 'parse-worker.json';

interface Manifest {
  /** Source files (relative to the project root) and the SHA-256 of each, as bundled. */
  inputs: Record<string, string>;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Bundles src/billing/parse-worker.ts and its modules into `dir`. Packages stay imports, resolved
 * from where the bundle is: `dir` must be inside the project (as the default is).
 */
export async function buildParseWorkerBundle(dir = DEFAULT_BUNDLE_DIR): Promise<{ file: string; inputs: number }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY], absWorkingDir: ROOT, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', write: false, metafile: true, logLevel: 'silent', outfile: path.join(dir, BUNDLE),
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!code) throw new Error('esbuild produced no bundle');
  const inputs: Record<string, string> = {};
  for (const rel of Object.keys(result.metafile.inputs)) inputs[rel] = sha256(path.join(ROOT, rel));
  mkdirSync(dir, { recursive: true });
  // Each file whole or not at all (another process may be starting a worker meanwhile); the
  // manifest last, so that a bundle is never taken for one built from other sources.
  const write = (name: string, data: string | Uint8Array) => {
    const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, path.join(dir, name));
  };
  write(BUNDLE, code.contents);
  write(MANIFEST, JSON.stringify({ inputs } satisfies Manifest, null, 1));
  return { file: path.join(dir, BUNDLE), inputs: Object.keys(inputs).length };
}

/**
 * The bundle's URL when it was built from the source files as they are now, else undefined (also
 * when there is none, or it cannot be read). Reads and hashes the ~30 sources: about a millisecond.
 */
export function freshParseWorkerBundle(dir = DEFAULT_BUNDLE_DIR): URL | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    const entries = Object.entries(manifest.inputs ?? {});
    if (entries.length === 0) return undefined;
    for (const [rel, hash] of entries) if (sha256(path.join(ROOT, rel)) !== hash) return undefined;
    return pathToFileURL(path.join(dir, BUNDLE));
  } catch {
    return undefined;
  }
}

/**
 * The process's options for a worker that runs plain JavaScript: its own, less those that load
 * tsx (`--import tsx`, or the `--require`/`--import` of tsx's own files that the tsx command adds),
 * which would start tsx in the worker for nothing.
 */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  const isTsx = (v: string) => v === 'tsx' || /[\\/]tsx[\\/]/.test(v) || v.startsWith('tsx/');
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const m = /^(?:--(?:import|require|loader|experimental-loader)|-r)(=.*)?$/.exec(a);
    if (m) {
      const inline = m[1] !== undefined;
      if (isTsx(inline ? m[1]!.slice(1) : execArgv[i + 1] ?? '')) {
        if (!inline) i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

// `node --import tsx src/billing/parse-worker-bundle.ts`: build it (npm's `prepare` script). A
// failure is reported, never fatal: workers then load the TypeScript as before.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const built = await buildParseWorkerBundle();
    process.stdout.write(`parser worker bundled from ${built.inputs} files: ${path.relative(process.cwd(), built.file)}\n`);
  } catch (err) {
    process.stderr.write(`parser worker not bundled (workers will load it through tsx): ${(err as Error).message}\n`);
  }
}
