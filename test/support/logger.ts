import pino from 'pino';
/** A silent logger for tests (set TOLLGATE_TEST_LOG=debug to see it). */
export const testLog = pino({ level: process.env.TOLLGATE_TEST_LOG ?? 'silent' });
