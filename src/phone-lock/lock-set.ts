import type { LineKey } from '../db/queries/line-locks.js';
import type { LockReason } from '../db/tables.js';

export const LOCK_REASONS: readonly LockReason[] = ['user', 'admin', 'budget'];

/** Map key of a line: partition and extension joined by a character neither may hold. */
export function lineId(line: LineKey): string {
  return line.partition + '\u0000' + line.extension;
}

/**
 * The locked lines, in memory: what CURRI decisions read (never the database). Kept current by
 * the Phone Lock service on every change it makes and every change it polls.
 */
export class LockSet {
  private readonly byLine = new Map<string, ReadonlySet<LockReason>>();
  /** Extension → partitions in which it is locked (for requests whose device is unknown). */
  private readonly byExtension = new Map<string, Set<string>>();

  /** Sets the reasons that hold on a line (none: unlocked). */
  replace(line: LineKey, reasons: Iterable<LockReason>): void {
    const set = new Set(reasons);
    const id = lineId(line);
    if (set.size === 0) {
      this.byLine.delete(id);
      const parts = this.byExtension.get(line.extension);
      parts?.delete(line.partition);
      if (parts?.size === 0) this.byExtension.delete(line.extension);
      return;
    }
    this.byLine.set(id, set);
    let parts = this.byExtension.get(line.extension);
    if (!parts) this.byExtension.set(line.extension, (parts = new Set()));
    parts.add(line.partition);
  }

  reasons(line: LineKey): LockReason[] {
    const set = this.byLine.get(lineId(line));
    return set ? LOCK_REASONS.filter((r) => set.has(r)) : [];
  }

  isLocked(partition: string, extension: string): boolean {
    // Two lookups rather than one on a joined key: a CURRI decision then makes no string.
    return this.byExtension.get(extension)?.has(partition) ?? false;
  }

  /** The partitions in which `extension` is locked, if any. */
  lockedPartitions(extension: string): ReadonlySet<string> | undefined {
    return this.byExtension.get(extension);
  }

  get size(): number {
    return this.byLine.size;
  }
}
