import type { Db } from '../db/knex.js';
import { AppError, UsageError } from '../errors.js';
import {
  deleteSchedule, listSchedules, localStart, runScheduleNow, saveSchedule, ScheduleNotFound, setScheduleEnabled, type ScheduleRow,
} from '../reports/scheduler.js';

/**
 * The schedule operations of both HTTP APIs (the admin token's /api/v1 and the portal's /api):
 * the scheduler's domain functions with one mapping of their errors (no such schedule: 404, bad
 * input: 400 with the reason).
 */

function asHttpError(err: unknown): never {
  if (err instanceof ScheduleNotFound) throw new AppError(err.message, 404, 'not_found');
  if (err instanceof UsageError) throw new AppError(err.message, 400, 'validation_error');
  throw err;
}

/** A schedule as the APIs show it: the row plus its start as a local date-time of its zone. */
export type PresentedSchedule = ScheduleRow & { startsAtLocal: string };

export function scheduleActions(db: Db, now: () => number = () => Math.floor(Date.now() / 1000)) {
  return {
    list: async (): Promise<PresentedSchedule[]> => (await listSchedules({ db })).map((s) => ({ ...s, startsAtLocal: localStart(s) })),
    save: (input: unknown): Promise<number> => saveSchedule({ db, input, now: now() }).catch(asHttpError),
    setEnabled: (name: string, enabled: boolean): Promise<void> => setScheduleEnabled({ db, name, enabled, now: now() }).catch(asHttpError),
    remove: (name: string): Promise<void> => deleteSchedule({ db, name }).catch(asHttpError),
    runNow: (name: string) => runScheduleNow({ db, name, now: now() }).catch(asHttpError),
  };
}
