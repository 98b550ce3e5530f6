import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev` expects the API (the Vite dev server proxies to it). */
const apiTarget = process.env.BETON_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

/**
 * The web app builds into web/dist, which the API process serves on its own port with an SPA fallback.
 * In development the Vite server proxies the API paths, so the session cookie stays same-origin.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/healthz', '/readyz', '/docs'].map((path) => [
        path,
        { target: apiTarget, changeOrigin: false },
      ]),
    ),
  },
});
