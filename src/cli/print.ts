/** Prints rows as an aligned text table (for humans; use --json for programs). */
export function printTable(out: NodeJS.WritableStream, rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]!.length))));
  const fmt = (vals: string[]) => vals.map((v, i) => (v.length > widths[i]! ? v.slice(0, widths[i]! - 1) + '…' : v.padEnd(widths[i]!))).join('  ').trimEnd();
  out.write(fmt(cols) + '\n');
  for (const row of cells) out.write(fmt(row) + '\n');
}
