import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Mounts a 1 MiB tmpfs for a disk-full test and unmounts it after the test. Returns undefined
 * (and marks the test skipped, with the reason) where mounting is not allowed (not root).
 */
export function tinyDisk(t: TestContext): string | undefined {
  const mnt = mkdtempSync(path.join(tmpdir(), 'tollgate-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root): disk-full test skipped');
    return undefined;
  }
  t.after(() => {
    execFileSync('umount', ['-l', mnt]); // lazy: the receiver may still hold it until its own cleanup
    rmSync(mnt, { recursive: true, force: true });
  });
  return mnt;
}
