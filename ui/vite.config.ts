// Builds the web UI into ui/dist for Tauri, and runs the unit tests (Vitest).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The policy the app runs under. `vite preview` serves the production build with it, so a
// headless browser run against the preview fails the same way the WebView would if any code
// needed inline scripts, eval or remote content.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ipc: http://ipc.localhost",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  plugins: [svelte()],
  // Tauri serves the files from its own origin: relative asset paths work everywhere.
  base: './',
  clearScreen: false,
  server: { port: 1420, strictPort: false },
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
