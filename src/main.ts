import { runServerProcess } from './serve-process.js';

/** Composition root of `npm start`. Nothing imports this file. */
runServerProcess().catch((err) => {
  process.stderr.write(`tollgate: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
