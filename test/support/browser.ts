import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Koa from 'koa';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Headless Chromium (Debian `chromium` + playwright-core) for the browser tests, and a served app. */

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const BROWSER_SKIP = CHROMIUM ? false : 'chromium is not installed (apt-get install -y chromium): browser tests skipped';
if (BROWSER_SKIP) console.log(`# SKIP e2e: ${BROWSER_SKIP}`);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Builds the front end into `outDir` (each test file its own: files run at the same time). */
export function buildWeb(outDir: string): string {
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error', '--outDir', outDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'inherit' });
  return outDir;
}

/** Builds the gadgets (gadgets/vite.config.ts) into `outDir`: `<outDir>/<name>/index.html`, assets, webex-sdk.js. */
export function buildGadgets(outDir: string): string {
  execFileSync('npx', ['vite', 'build', '--config', 'gadgets/vite.config.ts', '--logLevel', 'error', '--outDir', outDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'inherit' });
  return outDir;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Serves an app on a free port; `base` is its URL. */
export async function serve(app: Koa): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Opens the portal and signs in through the login form. */
export async function signIn(p: Page, base: string, username: string, password: string): Promise<void> {
  await p.goto(base + '/');
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}
