// Starts the UI. Inside Tauri, `invoke` reaches the Rust side. In a plain browser with
// `?dev=<scenario>` (`npm run dev`, the Chromium tests; `?mock=` is the older name), every
// command goes to the development server, the same Rust core over HTTP (crates/devserver),
// through a separate chunk that Tauri never fetches.

import { mount } from 'svelte';

import App from './App.svelte';
import './app.css';

async function start(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const scenario = params.get('dev') ?? params.get('mock');
  if (!('__TAURI_INTERNALS__' in window) && scenario) {
    const { installDevServer } = await import('./lib/devserver');
    const latency = Number(params.get('latency') ?? '0');
    await installDevServer(scenario, Number.isFinite(latency) ? latency : 0);
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void start();
