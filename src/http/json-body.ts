import type { Context } from 'koa';
import type { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';

/** Reads a JSON body (at most `limit` bytes) and validates it with `schema`. */
export async function readJson<T extends z.ZodType>(ctx: Context, schema: T, limit = 64 * 1024): Promise<z.infer<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new AppError(`body over ${limit} bytes`, 413, 'too_large');
    chunks.push(c);
  }
  let value: unknown = {};
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw ValidationError('body is not JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}
