import { z } from 'zod';
import { userSchema } from '../../admin/reference-import.js';
import { LEVELS } from '../../config.js';

/** zod schemas of the portal API: request validation and the OpenAPI document. */

export const levelSchema = z.coerce.number().int().refine((n) => (LEVELS as readonly number[]).includes(n), 'must be one of 0, 2, 6, 8, 10');
export const LANGUAGES = ['en', 'it', 'de', 'fr', 'es', 'pl', 'ar'] as const;
const language = z.union([z.literal(''), z.enum(LANGUAGES)]);

export const loginBody = z.object({
  username: z.string().trim().min(1, 'required').max(128),
  password: z.string().min(1, 'required').max(500),
  /** `portal` (default): session cookie; `api`: a bearer token in the answer. */
  kind: z.enum(['portal', 'api']).default('portal'),
}).strict();

export const userOut = z.object({
  id: z.number(), username: z.string(), site: z.string().nullable(), first_name: z.string(), last_name: z.string(), email: z.string(),
  department: z.string(), cost_center: z.string(), office_location: z.string(), manager: z.string(),
  partition: z.string(), extension: z.string(), extension_billing: z.boolean(), fax_extension: z.string(), fax_billing: z.boolean(),
  voicemail_extension: z.string(), voicemail_billing: z.boolean(), devices: z.array(z.string()),
  level: z.number(), scope: z.enum(['department', 'cost_center', 'office_location']), extra_departments: z.string(),
  auth_source: z.enum(['local', 'ldap']), disabled: z.boolean(), must_change_password: z.boolean(), language: z.string(),
  last_login_at: z.string().nullable(),
  custom: z.array(z.string()).describe('custom fields 1-10'),
});

export const sessionOut = z.object({
  user: userOut,
  expiresAt: z.string(),
  csrfToken: z.string().optional().describe('portal sessions: echo in x-csrf-token'),
  token: z.string().optional().describe('kind "api": send as Authorization: Bearer'),
});

export const passwordBody = z.object({
  currentPassword: z.string().min(1, 'required'),
  newPassword: z.string().min(1, 'required'),
}).strict();

export const mePatch = z.object({ language }).strict();

/** Portal fields of a user on top of the reference-import columns. */
const accountFields = {
  level: levelSchema.optional(),
  scope: z.enum(['department', 'cost_center', 'office_location']).optional(),
  extra_departments: z.string().trim().max(2000).optional(),
  language: language.optional(),
  disabled: z.boolean().optional(),
};

export const userCreate = userSchema.extend({
  ...accountFields,
  devices: z.array(z.string().min(1).max(129)).default([]),
  password: z.string().min(1).optional().describe('initial local password (must be changed at first login); none: LDAP or no login'),
}).strict();

export const userPatch = userSchema.omit({ username: true }).partial().extend({
  ...accountFields,
  devices: z.array(z.string().min(1).max(129)).optional(),
  site: z.string().trim().nullable().optional(),
}).strict();

export const userListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  department: z.string().optional(),
  cost_center: z.string().optional(),
  site: z.string().optional(),
  level: levelSchema.optional(),
  source: z.enum(['local', 'ldap']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();

export const userListOut = z.object({ total: z.number(), users: z.array(userOut) });

export const passwordResetBody = z.object({ password: z.string().min(1).optional() }).strict();

export const exportQuery = z.object({
  format: z.enum(['csv', 'tsv']).default('csv'),
  delimiter: z.enum(['comma', 'semicolon']).default('comma'),
}).strict();

export const importQuery = z.object({
  partial: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
}).strict();

export const importOut = z.object({
  imported: z.number(), created: z.number(), updated: z.number(),
  problems: z.array(z.object({ line: z.number(), column: z.string(), message: z.string() })),
});

const epochOrIso = z.string().transform((v, ctx) => {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: 'not an ISO date or date-time' });
    return z.NEVER;
  }
  return Math.floor(t / 1000);
});

export const callFilterQuery = z.object({
  from: epochOrIso.optional(),
  to: epochOrIso.optional(),
  number: z.string().trim().regex(/^[0-9+*#]{1,32}$/, 'digits, +, * or #').optional(),
  extension: z.string().trim().max(101).optional(),
  user: z.string().trim().max(128).optional(),
  department: z.string().trim().max(100).optional(),
  kind: z.enum(['incoming', 'outgoing', 'missed', 'internal']).optional(),
  destination_type: z.string().trim().max(16).optional(),
  site: z.string().trim().max(32).optional(),
});

export const callListQuery = callFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: z.coerce.number().int().min(1).optional().describe('id of the last call of the previous page'),
}).strict();

export const callOut = z.object({
  id: z.number(), site: z.string(), direction: z.string(), kind: z.enum(['incoming', 'outgoing', 'missed', 'internal']),
  answered: z.boolean(), startAt: z.string(), ringS: z.number(), durationS: z.number(), extension: z.string(),
  user: z.string().nullable(), userName: z.string(), department: z.string().nullable(), costCenter: z.string(),
  remoteNumber: z.string(), dialedNumber: z.string(), masked: z.boolean(), destinationType: z.string(), accountName: z.string(),
  cost: z.number().nullable().describe('integer minor units'), currency: z.string().nullable(), nation: z.string(), area: z.string(), carrier: z.string(),
  redirected: z.boolean(), transferred: z.boolean(), conference: z.boolean(),
});

export const callExportQuery = callFilterQuery.extend({
  format: z.enum(['csv', 'xlsx']).default('csv'),
}).strict();

export const callListOut = z.object({ calls: z.array(callOut), next: z.number().nullable() });

export const homeQuery = z.object({
  limit: z.coerce.number().int().refine((n) => [10, 20, 50, 100, 200].includes(n), 'must be 10, 20, 50, 100 or 200').default(20),
}).strict();

export const summaryOut = z.object({
  calls: z.number(), cost: z.array(z.object({ currency: z.string(), amount: z.number() })), avgDurationS: z.number(), avgRingS: z.number(),
});

export const homeOut = z.object({
  calls: z.array(callOut),
  month: summaryOut.describe("this calendar month in the user's time zone, own calls"),
  missedToday: z.number(),
  timeZone: z.string().describe("the user's site time zone (else TOLLGATE_DEFAULT_TIMEZONE)"),
  monthStart: z.string(), dayStart: z.string(),
  generatedAt: z.string(),
});

export const idParam = z.coerce.number().int().min(1, 'must be a positive id');
