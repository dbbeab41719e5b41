// What the WebView end-to-end test (app.test.mjs) and the app benchmark (bench.mjs) share:
// finding the binaries, starting Xvfb, tauri-driver and the server in process groups of their
// own and stopping them by id, polling, and driving the app through WebDriver.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Builder, By } from 'selenium-webdriver';

const execFileP = promisify(execFile);

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = path.join(REPO, 'target', 'screenshots', 'webkit');
export const SIZES = [
  { name: '768x1024', width: 768, height: 1024 },
  { name: '1280x800', width: 1280, height: 800 },
];

/** How long an app may take to start. */
export const SESSION_TIMEOUT = 60_000;

let logPrefix = 'e2e';
/** Names the script in front of every log line (`e2e` unless set). */
export function setLogPrefix(prefix) {
  logPrefix = prefix;
}
export const log = (...args) => console.log(`[${logPrefix} ${new Date().toISOString().slice(11, 23)}]`, ...args);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A deadline for a race: it does not keep the runner alive once the race is over. */
export const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

// ---------------------------------------------------------------- environment

export function requireBinary(variable) {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} must be the absolute path of the binary (see tests/e2e/app.test.mjs)`);
  if (!path.isAbsolute(value)) throw new Error(`${variable} must be an absolute path, not ${value}`);
  fs.accessSync(value, fs.constants.X_OK);
  return value;
}

export function findTauriDriver() {
  const candidates = [process.env.TAURI_DRIVER, path.join(os.homedir(), '.cargo', 'bin', 'tauri-driver')];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'tauri-driver'));
  for (const c of candidates) {
    if (!c) continue;
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('tauri-driver not found: install it (cargo install tauri-driver) or set TAURI_DRIVER');
}

/** A loopback TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `probe` until it returns a truthy value, at most `timeout` ms; returns that value. */
export async function poll(probe, { timeout = 15_000, interval = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? `; last error: ${lastError.message ?? lastError}` : `; last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`);
    }
    await sleep(interval);
  }
}

// ---------------------------------------------------------------- processes

/** Every process group this test started and has not yet stopped, by pid. */
export const running = new Map();

export function start(name, command, args, { env = process.env, logDir } = {}) {
  const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  // Its own process group, so stopping it also stops what it started (tauri-driver starts
  // WebKitWebDriver, which starts the app).
  const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (error) => log(`${name}: ${error.message}`));
  const proc = { name, pid: child.pid, child, exited, done: false };
  exited.then(() => {
    proc.done = true;
  });
  running.set(child.pid, proc);
  log(`started ${name} (pid ${child.pid}): ${path.basename(command)} ${args.join(' ')}`);
  return proc;
}

export function signalGroup(proc, signal) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a process started by `start`: SIGTERM to its group, SIGKILL after `grace` ms. */
export async function stop(proc, grace = 10_000) {
  if (!proc) return;
  if (!proc.done) {
    signalGroup(proc, 'SIGTERM');
    const timer = deadline(grace).then(() => 'timeout');
    if ((await Promise.race([proc.exited, timer])) === 'timeout') {
      log(`${proc.name} did not stop in ${grace} ms: SIGKILL`);
      signalGroup(proc, 'SIGKILL');
      await proc.exited;
    }
  }
  // Whatever it left in its group (a WebKitWebDriver, an app) goes too.
  signalGroup(proc, 'SIGKILL');
  running.delete(proc.pid);
  log(`stopped ${proc.name} (pid ${proc.pid})`);
}

// A last resort if the runner dies before `after` ran: nothing is left behind.
process.on('exit', () => {
  for (const proc of running.values()) signalGroup(proc, 'SIGKILL');
});

/** A free X display number: no lock file and no socket for it. */
export function freeDisplay() {
  for (let n = 90; n < 190; n++) {
    if (!fs.existsSync(`/tmp/.X${n}-lock`) && !fs.existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number between :90 and :189');
}

export async function startXvfb(logDir) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const n = freeDisplay();
    // -noreset: by default the X server resets when its last client leaves, and an app
    // started during that reset fails with "Failed to initialize GTK" (and WebKitWebDriver
    // then waits for it for minutes). Each app session here is the only client while it runs.
    const args = [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'];
    const proc = start('xvfb', 'Xvfb', args, { logDir });
    try {
      await poll(() => proc.done || fs.existsSync(`/tmp/.X11-unix/X${n}`), { timeout: 10_000, what: `Xvfb :${n}` });
    } catch (error) {
      await stop(proc);
      throw error;
    }
    if (!proc.done) return { proc, display: `:${n}` };
    await stop(proc); // lost a race for that display: try the next one
  }
  throw new Error('Xvfb would not start');
}

// ---------------------------------------------------------------- the server

export class Server {
  constructor(binary, dir, logDir) {
    this.binary = binary;
    this.db = path.join(dir, 'server.sqlite3');
    this.logDir = logDir;
    this.port = null;
    this.proc = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async admin(...args) {
    const { stdout } = await execFileP(this.binary, ['--database', `sqlite://${this.db}`, ...args], {
      env: { ...process.env, RUST_LOG: 'warn' },
      timeout: 30_000,
    });
    return stdout;
  }

  async start() {
    this.port ??= await freePort();
    this.proc = start('server', this.binary, ['--database', `sqlite://${this.db}`, 'serve', '--listen', `127.0.0.1:${this.port}`], {
      logDir: this.logDir,
    });
    const proc = this.proc;
    await poll(async () => {
      if (proc.done) throw new Error('the server exited; see server.log');
      return canConnect(this.port);
    }, { timeout: 30_000, what: `the server on port ${this.port}` });
  }

  async stop() {
    await stop(this.proc);
    this.proc = null;
    assert.equal(await canConnect(this.port), false, 'the server still accepts connections after stopping');
  }

  async createUser(name, role, agency) {
    const args = ['user', 'create', '--name', name, '--role', role];
    if (agency) args.push('--agency', agency);
    const id = (await this.admin(...args)).trim();
    assert.match(id, /^[0-9a-f-]{36}$/, `user create printed ${JSON.stringify(id)}`);
    return id;
  }

  async issueCode(user) {
    const out = await this.admin('code', 'issue', '--user', user);
    const m = /^Enrolment code for .*\): ([A-Z0-9-]+)\s*$/m.exec(out);
    assert.ok(m, `no code in the output of code issue:\n${out}`);
    return m[1];
  }
}

// ---------------------------------------------------------------- ids and dates

/** A UUIDv7 as `uuid::Builder::from_unix_timestamp_millis` makes it from 10 bytes. */
export function uuidV7(millis, random) {
  const out = [];
  for (let i = 5; i >= 0; i--) out.push(Number((BigInt(millis) >> BigInt(8 * i)) & 0xffn));
  out.push(0x70 | (random[0] & 0x0f), random[1], 0x80 | (random[2] & 0x3f), ...random.slice(3, 10));
  const hex = out.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `seeded_agency_id(name)` of crates/domain/src/seed.rs (and `seeded_topic_id` for "topic"). */
export function seededId(namespace, name) {
  const SEED_MILLIS = 1_735_689_600_000;
  const MASK = (1n << 64n) - 1n;
  const bytes = [...Buffer.from(namespace, 'utf8'), 0, ...Buffer.from(name.normalize('NFC'), 'utf8')];
  const fnv = (seed) => {
    let h = seed;
    for (const b of bytes) {
      h ^= BigInt(b);
      h = (h * 0x0100_0000_01b3n) & MASK;
    }
    return h;
  };
  const be64 = (v) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(56 - 8 * i)) & 0xffn));
  const random = [...be64(fnv(0xcbf2_9ce4_8422_2325n)), ...be64(fnv(0x8422_2325_cbf2_9ce4n)).slice(0, 2)];
  return uuidV7(SEED_MILLIS, random);
}

/** `YYYY-MM-DD` in Vietnam (UTC+7, no daylight saving), `days` from today. */
export function vietnamDay(days = 0) {
  return new Date(Date.now() + 7 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- the app through WebDriver

export const tid = (id) => By.css(`[data-testid="${id}"]`);
/** The dialogue list's row for `title` (Svelte adds its own classes beside `title`). */
export const dialogueRow = (title) =>
  By.xpath(`//li[@data-testid="dialogue-row"][.//*[contains(concat(" ", normalize-space(@class), " "), " title ") and normalize-space()="${title}"]]`);

export class App {
  constructor(name, driver) {
    this.name = name;
    this.driver = driver;
  }

  async find(locator, { timeout = 15_000, what } = {}) {
    return poll(async () => {
      const found = await this.driver.findElements(locator);
      for (const el of found) if (await el.isDisplayed()) return el;
      return null;
    }, { timeout, what: what ?? `${locator} to be visible in app ${this.name}` });
  }

  async all(locator) {
    return this.driver.findElements(locator);
  }

  async text(locator, opts) {
    return (await (await this.find(locator, opts)).getText()).trim();
  }

  async click(locator, opts) {
    const el = await poll(async () => {
      const e = await this.find(locator, { timeout: 2_000, ...opts });
      return (await e.isEnabled()) ? e : null;
    }, { timeout: opts?.timeout ?? 15_000, what: `${locator} to be enabled in app ${this.name}` });
    await this.clickElement(el);
    return el;
  }

  async clickElement(el) {
    await this.driver.executeScript('arguments[0].scrollIntoView({block: "center"})', el);
    try {
      await el.click();
    } catch (error) {
      // A sticky bar over the element at a small size: a click event does the same.
      if (!/intercept|not interactable/i.test(`${error.name} ${error.message}`)) throw error;
      await this.driver.executeScript('arguments[0].click()', el);
    }
  }

  async type(locator, value) {
    const el = await this.find(locator);
    await this.driver.executeScript('arguments[0].scrollIntoView({block: "center"})', el);
    await el.clear();
    await el.sendKeys(value);
    assert.equal(await el.getAttribute('value'), value, `typing into ${locator} in app ${this.name}`);
    return el;
  }

  /** Sets a date input or a select the way a picker does: value, then input and change. */
  async setValue(locator, value) {
    const el = await this.find(locator);
    await this.driver.executeScript(
      `const el = arguments[0];
       const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype
         : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
       Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[1]);
       el.dispatchEvent(new Event('input', { bubbles: true }));
       el.dispatchEvent(new Event('change', { bubbles: true }));`,
      el,
      value,
    );
    assert.equal(await el.getAttribute('value') ?? (await this.driver.executeScript('return arguments[0].value', el)), value);
    return el;
  }

  /** Starts recording the pointer, click and focus events the page sees. */
  async recordEvents() {
    await this.driver.executeScript(`
      window.__e2eEvents = [];
      if (!window.__e2eRecording) {
        window.__e2eRecording = true;
        const name = (n) => n?.dataset?.testid ?? (n?.className ? String(n.className).split(' ')[0] : n?.tagName);
        for (const type of ['pointerdown', 'mousedown', 'mouseup', 'click', 'focusin', 'focusout']) {
          document.addEventListener(type, (e) => window.__e2eEvents.push(
            [type, name(e.target), Math.round(performance.now()), e.clientX, e.clientY]), true);
        }
        // What the page added or removed meanwhile: a layout shift under the pointer.
        new MutationObserver((records) => {
          for (const r of records) {
            for (const n of r.addedNodes) if (n.nodeType === 1) window.__e2eEvents.push(['added', name(n), Math.round(performance.now())]);
            for (const n of r.removedNodes) if (n.nodeType === 1) window.__e2eEvents.push(['removed', name(n), Math.round(performance.now())]);
          }
        }).observe(document.body, { childList: true, subtree: true });
        window.addEventListener('scroll', () => window.__e2eEvents.push(['scroll', Math.round(document.scrollingElement.scrollTop), Math.round(performance.now())]), true);
      }`);
  }

  async recordedEvents() {
    return this.driver.executeScript('return window.__e2eEvents ?? []');
  }

  async go(route) {
    await this.click(tid(`nav-${route}`));
    await poll(async () => (await this.driver.executeScript('return location.hash')).startsWith(`#/${route}`), {
      timeout: 10_000,
      what: `the ${route} screen in app ${this.name}`,
    });
  }

  /** What the sync badge says: unsent count and state. */
  async badge() {
    const el = await this.find(tid('sync-badge'));
    return {
      state: await el.getAttribute('data-state'),
      unsent: (await this.text(tid('sync-unsent'))).replace(/\D/g, ''),
    };
  }

  async waitBadge(unsent, states, timeout = 30_000) {
    const started = Date.now();
    let last;
    await poll(async () => {
      last = await this.badge();
      return last.unsent === String(unsent) && states.includes(last.state);
    }, { timeout, interval: 250, what: `app ${this.name}'s badge to show ${unsent} unsent and ${states.join('/')} (last: ${JSON.stringify(last)})` });
    return Date.now() - started;
  }

  async waitSynced(timeout = 30_000) {
    return this.waitBadge(0, ['synced'], timeout);
  }

  async screenshot(file) {
    const png = await this.driver.takeScreenshot();
    fs.writeFileSync(file, png, 'base64');
  }

  /** The current screen at both tablet sizes, as `<size>-<screen>.png`; then back to 1280×800. */
  async shoot(screen) {
    // Each picture from the top of the screen, whatever an earlier step scrolled into view.
    await this.driver.executeScript(
      'document.activeElement?.blur(); window.scrollTo(0, 0); for (const el of document.querySelectorAll("*")) if (el.scrollTop > 0) el.scrollTop = 0;',
    );
    for (const size of SIZES) {
      await this.setSize(size);
      await this.screenshot(path.join(SHOTS, `${size.name}-${screen}.png`));
    }
    log(`screenshots: ${screen}`);
  }

  async setSize({ width, height }) {
    await this.driver.manage().window().setRect({ width, height });
    await poll(async () => {
      const w = await this.driver.executeScript('return window.innerWidth');
      return Math.abs(w - width) <= 16;
    }, { timeout: 5_000, what: `the window to be ${width} wide` });
    // Let the layout and any transition settle before the picture.
    await this.driver.executeScript('return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await sleep(150);
  }

  /** Enrols through the enrolment screen; waits for the role's first screen. */
  async enrol(server, code, deviceName) {
    await this.type(tid('enrol-server'), server);
    await this.type(tid('enrol-code'), code);
    await this.type(tid('enrol-name'), deviceName);
    await this.click(tid('enrol-submit'));
    await poll(async () => {
      const errors = await this.all(tid('enrol-error'));
      if (errors.length > 0) throw new Error(`enrolment failed: ${await errors[0].getAttribute('data-code')} ${await errors[0].getText()}`);
      return (await this.all(tid('sync-badge'))).length > 0;
    }, { timeout: 30_000, what: `app ${this.name} to be enrolled` });
  }
}

// ---------------------------------------------------------------- tauri-driver and sessions

/**
 * Starts tauri-driver (with WebKitWebDriver) on `display`; resolves once it listens. `env` adds
 * to the environment it, and the apps it starts, run with.
 */
export async function startTauriDriver({ tauriDriver, webkitDriver, display, logDir, env = {} }) {
  const port = await freePort();
  const nativePort = await freePort();
  const proc = start('tauri-driver', tauriDriver, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', webkitDriver], {
    env: { ...process.env, ...env, DISPLAY: display, WAYLAND_DISPLAY: '' },
    logDir,
  });
  const url = `http://127.0.0.1:${port}/`;
  await poll(async () => {
    if (proc.done) throw new Error('tauri-driver exited; see tauri-driver.log');
    return canConnect(port);
  }, { timeout: 20_000, what: 'tauri-driver' });
  return { proc, url };
}

/** A WebDriver session of `app` on `dataDir` (which starts the app), or an error after `timeout` ms. */
export async function openSession({ driverUrl, app, dataDir, name, logDir, timeout = SESSION_TIMEOUT }) {
  // WebKitWebDriver waits a long time for an app that never comes up: bounded here.
  const session = new Builder()
    .usingServer(driverUrl)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: app, args: ['--data-dir', dataDir] } })
    .build();
  return Promise.race([
    session,
    deadline(timeout).then(() => {
      throw new Error(`app ${name} did not start within ${timeout} ms (see tauri-driver.log in ${logDir})`);
    }),
  ]);
}

// ---------------------------------------------------------------- scenarios

/**
 * Runs `fn` with an `App` on a fresh session of `app` on `dataDir` (which starts the app, at
 * the large tablet size, and waits for its first screen). On an error the screen and the page
 * source go to SHOTS as failure-<prefix>-<time>.*; the session is quit (closing the app) after.
 */
export async function withApp({ driverUrl, app, dataDir, name, logDir, prefix = name }, fn) {
  const driver = await openSession({ driverUrl, app, dataDir, name, logDir });
  const session = new App(name, driver);
  try {
    await driver.manage().setTimeouts({ script: 20_000 });
    await session.setSize(SIZES[1]);
    // The shell is up when either the enrolment screen or the badge is.
    await poll(async () => (await driver.findElements(By.css('[data-testid="enrol-server"], [data-testid="sync-badge"]'))).length > 0, {
      timeout: 30_000,
      what: `app ${name} to start`,
    });
    return await fn(session);
  } catch (error) {
    const stamp = `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await session.screenshot(path.join(SHOTS, `failure-${stamp}.png`));
      fs.writeFileSync(path.join(SHOTS, `failure-${stamp}.html`), await driver.getPageSource());
      log(`saved failure-${stamp}.png and .html in ${SHOTS}`);
    } catch (shotError) {
      log(`could not save the failure screen: ${shotError.message}`);
    }
    throw error;
  } finally {
    await Promise.race([driver.quit().catch((e) => log(`quit: ${e.message}`)), deadline(15_000)]);
  }
}

/**
 * The steps of one scenario, run in order with node:test's `it`: once a step fails the later
 * ones are skipped, and a step that runs past `timeout` ms fails and stops the scenario (the
 * runner's own timeout would leave it running beside the next one). `state.failed` says whether
 * one failed.
 */
export function scenario(it, timeout) {
  const state = { failed: false };
  function step(title, fn) {
    it(title, async (t) => {
      if (state.failed) {
        t.skip('an earlier step failed');
        return;
      }
      const started = Date.now();
      let timer;
      try {
        await Promise.race([
          fn(t),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`step timed out after ${timeout} ms`)), timeout).unref();
          }),
        ]);
      } catch (error) {
        state.failed = true;
        throw error;
      } finally {
        clearTimeout(timer);
        log(`${title}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
  }
  return { step, state };
}

