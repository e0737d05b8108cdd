import type { Context } from 'koa';
import { AppError } from '../errors.js';

/** The raw request body as text (UTF-8), at most `limit` bytes (413 beyond). */
export async function readText(ctx: Context, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError(`request body larger than ${limit} bytes`, 413, 'body_too_large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON request body ({} when empty); 400 when it is not JSON. */
export async function readJson(ctx: Context, limit = 1024 * 1024): Promise<unknown> {
  const text = await readText(ctx, limit);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError(`request body is not valid JSON: ${(err as Error).message}`, 400, 'validation_error');
  }
}
