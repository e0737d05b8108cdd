/** The portal's client of the JSON API: cookie session plus the CSRF header on changes. */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export function csrf(): string {
  const m = /(?:^|;\s*)tollgate_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

export async function api<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: unknown } }).error ?? {};
    throw new ApiError(res.status, e.code ?? 'error', e.message ?? res.statusText, e.details);
  }
  return data as T;
}

export interface User {
  id: number; username: string; site: string | null; first_name: string; last_name: string; email: string; department: string;
  cost_center: string; office_location: string; manager: string; partition: string; extension: string; extension_billing: boolean;
  fax_extension: string; fax_billing: boolean; voicemail_extension: string; voicemail_billing: boolean; devices: string[]; level: number;
  scope: string; extra_departments: string; auth_source: 'local' | 'ldap'; disabled: boolean; must_change_password: boolean;
  language: string; last_login_at: string | null; custom: string[];
}

export interface Call {
  id: number; site: string; kind: 'incoming' | 'outgoing' | 'missed' | 'internal'; startAt: string; ringS: number; durationS: number;
  extension: string; user: string | null; userName: string; remoteNumber: string; masked: boolean; destinationType: string;
  cost: number | null; currency: string | null; area: string; nation: string;
}

export interface Home {
  calls: Call[];
  month: { calls: number; cost: Array<{ currency: string; amount: number }>; avgDurationS: number; avgRingS: number };
  missedToday: number;
  generatedAt: string;
}
