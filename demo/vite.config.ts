import { defaultClientConditions, defineConfig } from 'vite';

// Where `npm run dev` runs the chat server; Vite proxies /stomp to it (scripts/dev.mjs sets this).
const apiPort = Number(process.env.DEMO_API_PORT ?? 8081);

export default defineConfig({
  root: import.meta.dirname,
  resolve: {
    // In this monorepo, build @sockwire/client from its TypeScript sources (the `source` export condition),
    // so the page never depends on a stale dist/. An app using the published package needs none of this.
    conditions: ['source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist/page',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      // Every SockJS transport lives under /stomp: HTTP requests and the WebSocket upgrade. The Host header is
      // kept (no changeOrigin), so the server's same-origin check sees the page's own origin.
      '/stomp': { target: `http://127.0.0.1:${apiPort}`, ws: true },
    },
  },
});
