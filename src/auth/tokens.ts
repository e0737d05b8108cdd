import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jwt from 'jsonwebtoken';

/**
 * Session and API tokens are HS256 JWTs. A portal session carries a CSRF value that the browser
 * must echo in the `x-csrf-token` header of every state-changing request (the cookie alone is
 * never enough); an API token has none and is sent as `Authorization: Bearer`. Both carry the
 * user's token version: logout and password changes raise it, so older tokens stop working.
 */

export type TokenKind = 'portal' | 'api';

export interface TokenClaims {
  sub: string;
  ver: number;
  kind: TokenKind;
  csrf?: string;
}

export interface TokenService {
  issue(options: { userId: number; version: number; kind: TokenKind }): { token: string; csrf: string | undefined; expiresAt: number };
  /** The claims of a valid token, or throws an error whose message says why (expired, bad signature…). */
  verify(token: string): TokenClaims;
}

export function createTokenService(options: { secret: string; sessionTtl: number; apiTokenTtl: number; now?: () => number }): TokenService {
  const { secret, sessionTtl, apiTokenTtl } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    issue({ userId, version, kind }) {
      const csrf = kind === 'portal' ? randomBytes(24).toString('base64url') : undefined;
      const iat = now();
      const ttl = kind === 'portal' ? sessionTtl : apiTokenTtl;
      const claims: Record<string, unknown> = { sub: String(userId), ver: version, kind, iat, exp: iat + ttl };
      if (csrf) claims.csrf = csrf;
      return { token: jwt.sign(claims, secret, { algorithm: 'HS256', noTimestamp: true }), csrf, expiresAt: iat + ttl };
    },
    verify(token) {
      const decoded = jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: now() });
      if (typeof decoded !== 'object' || decoded === null) throw new Error('malformed token');
      const d = decoded as Record<string, unknown>;
      if (typeof d.sub !== 'string' || typeof d.ver !== 'number' || (d.kind !== 'portal' && d.kind !== 'api')) throw new Error('malformed token');
      return { sub: d.sub, ver: d.ver, kind: d.kind, ...(typeof d.csrf === 'string' ? { csrf: d.csrf } : {}) };
    },
  };
}

/** The configured secret, or the one kept in `<dataDir>/jwt-secret` (made on first use, mode 0600). */
export async function loadJwtSecret(options: { configured: string | undefined; dataDir: string }): Promise<string> {
  if (options.configured) return options.configured;
  const file = path.join(options.dataDir, 'jwt-secret');
  try {
    const s = (await readFile(file, 'utf8')).trim();
    if (s.length >= 32) return s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(options.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}
