/**
 * Errors that cross the HTTP edge carry a status, a stable code and whether the message may be
 * shown to the client (Koa's `expose`).
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly expose = status < 500,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const NotFoundError = (what: string) => new AppError(`${what} not found`, 404, 'not_found');
export const ValidationError = (message: string) => new AppError(message, 400, 'validation_error');

/** A command-line or API caller asked for something impossible (bad option, unknown site). */
export class UsageError extends Error {
  override name = 'UsageError';
}
