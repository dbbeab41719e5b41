// Builds the web UI into ui/dist for Tauri, serves it against the real core in development,
// and runs the unit tests (Vitest).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// The policy the app runs under, read from src-tauri/tauri.conf.json (its one home).
// `vite preview` serves the production build with it, so a headless browser run against the
// preview fails the same way the WebView would if any code needed inline scripts, eval or
// remote content.
const TAURI_CONF = fileURLToPath(new URL('../src-tauri/tauri.conf.json', import.meta.url));
const CSP = Object.entries(
  (JSON.parse(readFileSync(TAURI_CONF, 'utf8')) as { app: { security: { csp: Record<string, string> } } }).app.security
    .csp,
)
  .map(([directive, value]) => `${directive} ${value}`)
  .join('; ');

// `npm run dev` talks to the development server (crates/devserver: the real Rust core over
// HTTP). Vite starts it with cargo unless TOWNHALL_DEVSERVER names one already running.
const DEVSERVER = process.env.TOWNHALL_DEVSERVER ?? 'http://127.0.0.1:1421';

function devServer(): Plugin {
  let child: ChildProcess | undefined;
  return {
    name: 'townhall-devserver',
    apply: 'serve',
    configureServer(server) {
      if (process.env.TOWNHALL_DEVSERVER || process.env.VITEST) return;
      const root = fileURLToPath(new URL('..', import.meta.url));
      child = spawn('cargo', ['run', '--quiet', '-p', 'townhall-devserver', '--', '--listen', '127.0.0.1:1421'], {
        cwd: root,
        stdio: 'inherit',
      });
      server.httpServer?.once('close', () => child?.kill());
      process.once('exit', () => child?.kill());
    },
  };
}

export default defineConfig({
  plugins: [svelte(), devServer()],
  // Tauri serves the files from its own origin: relative asset paths work everywhere.
  base: './',
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: false,
    proxy: Object.fromEntries(['/invoke', '/events', '/session', '/control'].map((p) => [p, DEVSERVER])),
  },
  preview: { headers: { 'Content-Security-Policy': CSP } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The WebViews Tauri uses all support module preload; the polyfill would be dead code.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
