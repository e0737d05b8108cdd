/** The gadgets' client of /api/gadget/: the gadget token lives in localStorage, sent as a bearer token. */

const KEY = 'tollgate.gadgetToken';

export class GadgetApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const storedToken = (): string | null => {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
};
export const storeToken = (token: string | null): void => {
  try {
    if (token) localStorage.setItem(KEY, token);
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the gadget then asks to sign in at each start.
  }
};

/** A JSON request; a 401 forgets the token (expired, revoked, forged) and is thrown for the sign-in screen. */
export async function gadgetApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = storedToken();
  if (token && path !== '/api/gadget/sessions' && path !== '/api/gadget/webex') headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'omit', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } }).error || {};
    if (res.status === 401) storeToken(null);
    throw new GadgetApiError(res.status, e.code || 'error', e.message || res.statusText);
  }
  return data as T;
}

export interface GadgetUser { username: string; name: string; language: string; extension: string; level: number }
export interface GadgetSession { token: string; expiresAt: string; user: GadgetUser }

export interface Call {
  id: number; kind: 'incoming' | 'outgoing' | 'missed' | 'internal'; startAt: string; durationS: number; remoteNumber: string;
  destinationType: string; cost: number | null; currency: string | null;
}
