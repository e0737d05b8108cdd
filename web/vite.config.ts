import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { precompress } from './precompress.js';

const root = path.dirname(fileURLToPath(import.meta.url));

/** The portal front end: built into web/dist, which the gateway serves (src/http/static-web.ts). */
export default defineConfig({
  root,
  base: '/',
  plugins: [preact(), precompress()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
