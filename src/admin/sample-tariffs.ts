import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseTariffFile } from '../rating/tariff-io.js';
import type { Tariff } from '../rating/tariff.js';

/** The shipped sample tariffs (made-up prices, marked `sample`): US, IT, GB and DE. */
export const SAMPLE_TARIFF_FILES = ['tariff-us.csv', 'tariff-it.csv', 'tariff-gb.csv', 'tariff-de.json'].map((f) =>
  fileURLToPath(new URL(`../rating/samples/${f}`, import.meta.url)),
);

export async function readSampleTariffs(): Promise<Tariff[]> {
  const out: Tariff[] = [];
  for (const file of SAMPLE_TARIFF_FILES) out.push(...parseTariffFile(await readFile(file, 'utf8'), file));
  return out;
}
