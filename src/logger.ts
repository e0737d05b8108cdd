import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths never written to the log, whatever a caller passes. */
export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'pin', '*.pin', 'token', '*.token', 'secret', '*.secret',
  'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword', 'csrfToken', '*.csrfToken', 'jwtSecret', '*.jwtSecret',
  'ldapBindPassword', '*.ldapBindPassword', 'adminPassword', '*.adminPassword', 'password_hash', '*.password_hash',
  'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
];

/** The one root logger of a process; components take `logger.child({ component })`. */
export function createLogger(options: { level: string; destination?: NodeJS.WritableStream | number }): Logger {
  return pino(
    {
      level: options.level,
      base: { app: 'tollgate' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // A file descriptor (2: stderr for CLI commands, whose stdout carries output) is written synchronously.
    options.destination === undefined
      ? pino.destination({ dest: 1, sync: false })
      : typeof options.destination === 'number'
        ? pino.destination({ dest: options.destination, sync: true })
        : options.destination,
  );
}
