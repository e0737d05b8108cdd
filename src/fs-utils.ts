import { open, stat } from 'node:fs/promises';

/** True when a path exists (file or folder). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** fsyncs a file (its data on disk), or a folder (so that a rename into it survives a crash). */
export async function fsyncPath(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
