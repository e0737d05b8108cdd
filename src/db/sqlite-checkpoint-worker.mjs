// Worker thread of src/db/sqlite-checkpointer.ts: copies a SQLite database's write-ahead log back
// into the database file (a PASSIVE checkpoint, which never blocks the writer) on its own
// connection, so that the writing thread does not do it inside its commits. It starts once the log
// file has reached `minBytes` and then checkpoints at every poll: the file keeps its size when
// SQLite starts writing it from the beginning again, and a checkpoint with nothing new to copy
// costs next to nothing. Plain JavaScript: it needs no TypeScript loader.
import { readlinkSync, statSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, minBytes, intervalMs } = workerData;
// Linux: a lower priority than the writing thread, which it must never hold up.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + 5));
} catch {
  // Not Linux: the process's priority.
}
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  let size = 0;
  try {
    size = statSync(`${file}-wal`).size;
  } catch {
    return;
  }
  if (size < minBytes) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy (another checkpoint is running) or the database is going away: try again later.
    if (!/busy|locked/i.test(String(err?.message))) parentPort.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
}, intervalMs);

parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
