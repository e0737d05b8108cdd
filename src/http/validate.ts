import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses a value with a zod schema; a 400 names every bad field and the value given. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const field = i.path.join('.');
    const got = i.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), value);
    const shown = got === undefined || /password|secret|token|pin/i.test(field) ? '' : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
    return `${where}${field ? '.' + field : ''}: ${i.message}${shown}`;
  });
  throw new AppError(problems.join('; '), 400, 'validation_error');
}
