import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { precompress } from '../web/precompress.js';

const root = path.dirname(fileURLToPath(import.meta.url));
export const GADGET_NAMES = ['calls', 'budget', 'lock'] as const;

/**
 * Cisco's Webex Embedded App SDK (its IIFE build) as /gadgets/webex-sdk.js, loaded by a gadget only
 * when it runs inside Webex (`?host=webex`): outside Webex no byte of it is fetched.
 */
/** One page for the three gadgets: `<name>/index.html` is gadgets/page.html, whose script is `./main.tsx` of that folder. */
function gadgetPages() {
  const page = path.join(root, 'page.html');
  const ids = new Set(GADGET_NAMES.map((n) => path.join(root, n, 'index.html')));
  return {
    name: 'tollgate-gadget-pages',
    resolveId: (id: string) => (ids.has(id) ? id : null),
    load: (id: string) => (ids.has(id) ? readFileSync(page, 'utf8') : null),
  };
}

function webexSdk() {
  const file = createRequire(import.meta.url).resolve('@webex/embedded-app-sdk/dist/iife/bundle.min.js');
  return {
    name: 'tollgate-webex-sdk',
    generateBundle(this: { emitFile(f: { type: 'asset'; fileName: string; source: string }): string }) {
      this.emitFile({ type: 'asset', fileName: 'webex-sdk.js', source: readFileSync(file, 'utf8') });
    },
  };
}

/**
 * The Jabber/Webex gadgets: three small pages built into gadgets/dist/<name>/, served under
 * /gadgets/<name>/ (src/http/static-web.ts). Jabber embeds them in Chromium Embedded Framework
 * (Windows) or WebKit (macOS), both possibly old: the code is compiled down to ES2017.
 */
export default defineConfig({
  root,
  base: '/gadgets/',
  plugins: [gadgetPages(), preact(), webexSdk(), precompress()],
  // Named imports of the portal's locale files keep only their `gadget` section in the bundle.
  json: { stringify: false },
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    target: ['es2017', 'chrome61', 'safari11'],
    cssTarget: ['chrome61', 'safari11'],
    modulePreload: { polyfill: false },
    rollupOptions: { input: Object.fromEntries(GADGET_NAMES.map((n) => [n, path.join(root, n, 'index.html')])) },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
