/**
 * Node options for a worker thread that loads its own code: the process's options (profiling,
 * inspector, V8 flags) without the module loaders given with --import/--require/--loader. A worker
 * inherits those by default, and under tsx each one then starts a TypeScript loader and its hooks
 * thread, some 10 MB, that a plain-JavaScript worker never uses (and the parser worker registers
 * for itself).
 */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (LOADER_FLAGS.has(name)) {
      if (eq === -1) i++; // its value is the next argument
      continue;
    }
    out.push(arg);
  }
  return out;
}
