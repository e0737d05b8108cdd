import type Router from '@koa/router';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { ALARM_TYPES } from '../../reports/alarms.js';
import { scheduleInputSchema, UNITS } from '../../reports/scheduler.js';
import type { ApiRegistry } from '../api-route.js';
import { scheduleActions } from '../schedule-actions.js';
import { parseInput } from '../validate.js';

/**
 * Scheduled reports and alarms in the portal: administrators only (level 10). The scheduler runs a
 * report over every call (it has no viewer), so a schedule is an administrator's tool: a user
 * below level 10 could otherwise mail themselves calls they may not see. The same domain
 * functions and error mapping as /api/v1/schedules.
 */

const nameParam = z.string().trim().min(1, 'a name is needed').max(100);
/** The scheduler's own schema; the name comes from the path and the owner from the session. */
const scheduleBody = scheduleInputSchema.omit({ name: true, owner: true }).strict();

export function portalScheduleRoutes(router: Router, api: ApiRegistry, deps: { db: Db }): void {
  const schedules = scheduleActions(deps.db);
  const name = (params: Record<string, string>) => parseInput(nameParam, params.name, 'path');

  api.add(router, { method: 'get', path: '/api/schedules', tag: 'schedules', summary: 'Scheduled reports and alarms with last run, last result and next run', level: 10 },
    async () => schedules.list());
  api.add(router, { method: 'get', path: '/api/schedules/alarm-types', tag: 'schedules', summary: 'The alarm types with the JSON schema of their parameters, and the repeat units', level: 10 },
    async () => ({
      units: UNITS,
      alarms: Object.entries(ALARM_TYPES).map(([id, a]) => ({ id, title: a.title, params: z.toJSONSchema(a.params, { io: 'input' }) })),
    }));
  api.add(router, { method: 'put', path: '/api/schedules/{name}', tag: 'schedules', summary: 'Create or change a scheduled report or alarm (a start in the past is refused)', level: 10, body: scheduleBody },
    async ({ params, raw, auth }) => {
      // The validated body has the defaults filled in; the scheduler validates (and defaults) the input as sent.
      const input = { ...(raw as Record<string, unknown>), name: name(params), owner: auth.user.username };
      return { id: await schedules.save(input) };
    });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    api.add(router, { method: 'post', path: `/api/schedules/{name}/${action}`, tag: 'schedules', summary: `${enabled ? 'Enable' : 'Disable'} a schedule`, level: 10 },
      async ({ params }) => {
        await schedules.setEnabled(name(params), enabled);
        return undefined;
      });
  }
  api.add(router, { method: 'post', path: '/api/schedules/{name}/run', tag: 'schedules', summary: 'Run a schedule now (recorded and mailed like a scheduled run)', level: 10 },
    async ({ params }) => schedules.runNow(name(params)));
  api.add(router, { method: 'delete', path: '/api/schedules/{name}', tag: 'schedules', summary: 'Delete a schedule and its runs', level: 10 },
    async ({ params }) => {
      await schedules.remove(name(params));
      return undefined;
    });
}
