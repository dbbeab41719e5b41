// Starts the UI. Inside Tauri, `invoke` reaches the Rust side. In a plain browser with
// `?mock=<scenario>` (tests, demos), the mock backend is loaded first, as a separate chunk
// that Tauri never fetches.

import { mount } from 'svelte';

import App from './App.svelte';
import './app.css';

async function start(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const scenario = params.get('mock');
  if (!('__TAURI_INTERNALS__' in window) && scenario) {
    const { isScenario } = await import('./lib/mock/backend');
    const { installMock } = await import('./lib/mock/install');
    const latency = Number(params.get('latency') ?? '0');
    installMock(isScenario(scenario) ? scenario : 'secretariat', Number.isFinite(latency) ? latency : 0);
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void start();
