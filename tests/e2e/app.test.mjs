// The acceptance test in the real app: three enrolled devices (secretariat, recorder, agency)
// and a sync server, driven through WebDriver (tauri-driver over WebKitWebDriver) under Xvfb.
//
//   TOWNHALL_APP=/abs/path/debug/townhall-app TOWNHALL_SERVER=/abs/path/townhall-server \
//     node --test tests/e2e/
//
// Optional: TAURI_DRIVER (default ~/.cargo/bin/tauri-driver, else on PATH), WEBKIT_DRIVER
// (default /usr/bin/WebKitWebDriver), TOWNHALL_E2E_KEEP=1 keeps the temp directory.
//
// Everything the test starts (Xvfb, tauri-driver with its WebKitWebDriver and the apps, the
// server) runs in its own process group and is stopped by that id at the end, also on failure.
// Screenshots go to <repo>/target/screenshots/webkit/; on a failure, the screen and the page
// source of the app at fault go there too as failure-*.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Builder, By } from 'selenium-webdriver';

const execFileP = promisify(execFile);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(REPO, 'target', 'screenshots', 'webkit');
const SIZES = [
  { name: '768x1024', width: 768, height: 1024 },
  { name: '1280x800', width: 1280, height: 800 },
];
/** The seeded agency the agency user answers for (crates/domain/src/seed.rs). */
const AGENCY_NAME = 'Sở Nông nghiệp và Môi trường'.normalize('NFC');
const DIALOGUE_TITLE = 'Đối thoại với nhân dân xã về đất đai (E2E)';
const QUESTIONS = [
  'Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình ở thôn 3.',
  'Đường liên thôn bị xuống cấp, đề nghị sửa chữa trước mùa mưa.',
  'Khi nào hoàn thành việc đền bù giải phóng mặt bằng dự án hồ chứa?',
  'Đề nghị xử lý tình trạng ô nhiễm từ trại chăn nuôi gần khu dân cư.',
  'Chế độ trợ cấp cho người cao tuổi chậm chi trả ba tháng nay.',
];
const ANSWER = {
  documentNumber: '1234/SNNMT-QLĐĐ',
  content: 'Sở đã kiểm tra hồ sơ và sẽ cấp giấy chứng nhận trong tháng tới.',
};

/** How long an app may take to start, and one step of the scenario to run. */
const SESSION_TIMEOUT = 60_000;
const STEP_TIMEOUT = 4 * 60_000;

const log = (...args) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A deadline for a race: it does not keep the runner alive once the race is over. */
const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

// ---------------------------------------------------------------- environment

function requireBinary(variable) {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} must be the absolute path of the binary (see tests/e2e/app.test.mjs)`);
  if (!path.isAbsolute(value)) throw new Error(`${variable} must be an absolute path, not ${value}`);
  fs.accessSync(value, fs.constants.X_OK);
  return value;
}

function findTauriDriver() {
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
function freePort() {
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

function canConnect(port) {
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
async function poll(probe, { timeout = 15_000, interval = 200, what = 'condition' } = {}) {
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
const running = new Map();

function start(name, command, args, { env = process.env, logDir } = {}) {
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

function signalGroup(proc, signal) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a process started by `start`: SIGTERM to its group, SIGKILL after `grace` ms. */
async function stop(proc, grace = 10_000) {
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
function freeDisplay() {
  for (let n = 90; n < 190; n++) {
    if (!fs.existsSync(`/tmp/.X${n}-lock`) && !fs.existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number between :90 and :189');
}

async function startXvfb(logDir) {
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

class Server {
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
function uuidV7(millis, random) {
  const out = [];
  for (let i = 5; i >= 0; i--) out.push(Number((BigInt(millis) >> BigInt(8 * i)) & 0xffn));
  out.push(0x70 | (random[0] & 0x0f), random[1], 0x80 | (random[2] & 0x3f), ...random.slice(3, 10));
  const hex = out.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `seeded_agency_id(name)` of crates/domain/src/seed.rs (and `seeded_topic_id` for "topic"). */
function seededId(namespace, name) {
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
function vietnamDay(days = 0) {
  return new Date(Date.now() + 7 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- the app through WebDriver

const tid = (id) => By.css(`[data-testid="${id}"]`);
/** The dialogue list's row for `title` (Svelte adds its own classes beside `title`). */
const dialogueRow = (title) =>
  By.xpath(`//li[@data-testid="dialogue-row"][.//*[contains(concat(" ", normalize-space(@class), " "), " title ") and normalize-space()="${title}"]]`);

class App {
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

// ---------------------------------------------------------------- the test

describe('Townhall end to end (real app, WebDriver)', { timeout: 15 * 60_000 }, () => {
  let APP;
  let tmp;
  let logDir;
  let xvfb;
  let driverProc;
  let driverUrl;
  let server;
  const data = {};
  const users = {};
  const codes = {};
  let agencyId;
  let localityName;
  let failed = false;
  /** The numbers the recorder captured, in order. */
  const numbers = [];
  /** The topic name each captured question was given (null for none). */
  const topicOf = {};
  /** Oddities seen on the way that did not fail the scenario. */
  const warnings = [];
  let assigned = [];
  let answered;

  before(async () => {
    APP = requireBinary('TOWNHALL_APP');
    const SERVER = requireBinary('TOWNHALL_SERVER');
    const tauriDriver = findTauriDriver();
    const webkitDriver = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const f of fs.readdirSync(SHOTS)) if (f.startsWith('failure-')) fs.rmSync(path.join(SHOTS, f));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'townhall-e2e-'));
    logDir = path.join(tmp, 'logs');
    fs.mkdirSync(logDir);
    for (const who of ['secretariat', 'recorder', 'agency']) data[who] = path.join(tmp, `app-${who}`);
    log(`temp dir ${tmp}`);

    xvfb = await startXvfb(logDir);
    const port = await freePort();
    const nativePort = await freePort();
    driverProc = start('tauri-driver', tauriDriver, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', webkitDriver], {
      env: { ...process.env, DISPLAY: xvfb.display, WAYLAND_DISPLAY: '' },
      logDir,
    });
    driverUrl = `http://127.0.0.1:${port}/`;
    await poll(async () => {
      if (driverProc.done) throw new Error('tauri-driver exited; see tauri-driver.log');
      return canConnect(port);
    }, { timeout: 20_000, what: 'tauri-driver' });
    server = new Server(SERVER, tmp, logDir);
  });

  after(async () => {
    if (warnings.length > 0) log(`warnings: ${warnings.join('; ')}`);
    if (server?.proc) await stop(server.proc);
    await stop(driverProc);
    await stop(xvfb?.proc);
    for (const proc of [...running.values()]) await stop(proc);
    if (tmp && !failed && !process.env.TOWNHALL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`kept ${tmp} (logs in ${logDir})`);
  });

  /** Runs `fn` with a fresh session of the app on `dataDir`; quits it (closing the app) after. */
  async function withApp(name, dataDir, fn) {
    // WebKitWebDriver waits a long time for an app that never comes up: bounded here.
    const session = new Builder()
      .usingServer(driverUrl)
      .withCapabilities({ browserName: 'wry', 'tauri:options': { application: APP, args: ['--data-dir', dataDir] } })
      .build();
    const driver = await Promise.race([
      session,
      deadline(SESSION_TIMEOUT).then(() => {
        throw new Error(`app ${name} did not start within ${SESSION_TIMEOUT} ms (see tauri-driver.log in ${logDir})`);
      }),
    ]);
    const app = new App(name, driver);
    try {
      await driver.manage().setTimeouts({ script: 20_000 });
      await app.setSize(SIZES[1]);
      // The shell is up when either the enrolment screen or the badge is.
      await poll(async () => (await driver.findElements(By.css('[data-testid="enrol-server"], [data-testid="sync-badge"]'))).length > 0, {
        timeout: 30_000,
        what: `app ${name} to start`,
      });
      return await fn(app);
    } catch (error) {
      const stamp = `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        await app.screenshot(path.join(SHOTS, `failure-${stamp}.png`));
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

  /** Each listed question's topic as the Questions screen shows it (null for none). */
  async function topicsShown(app) {
    const rows = await app.driver.executeScript(`
      return [...document.querySelectorAll('[data-testid="question-row"]')].map((row) =>
        [row.dataset.number, row.querySelector('.top .topic')?.textContent.trim() ?? null]);`);
    return Object.fromEntries(rows);
  }

  /** One step of the scenario; the steps after a failed one are skipped. */
  function step(title, fn) {
    it(title, async (t) => {
      if (failed) {
        t.skip('an earlier step failed');
        return;
      }
      const started = Date.now();
      let timer;
      try {
        // The runner's own timeout would fail the step but leave it running beside the next
        // one; this one stops the scenario.
        await Promise.race([
          fn(t),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`step timed out after ${STEP_TIMEOUT} ms`)), STEP_TIMEOUT).unref();
          }),
        ]);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        clearTimeout(timer);
        log(`${title}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
  }

  step('1. the server runs; secretariat, recorder and agency users each have a code', async () => {
    await server.start();
    // The same derivation as crates/domain/src/seed.rs, checked against the id pinned there;
    // step 5 checks the agency's id against the option the assign dialog lists for it.
    assert.equal(seededId('topic', 'Đất đai'), '01941f29-7c00-7d45-b0d9-0b83f1cff363');
    agencyId = seededId('agency', AGENCY_NAME);
    localityName = 'Xã Bắc Bình';
    users.secretariat = await server.createUser('Nguyễn Thị Thư Ký', 'secretariat');
    users.recorder = await server.createUser('Trần Văn Ghi', 'recorder');
    users.agency = await server.createUser('Lê Văn Sở', 'agency', agencyId);
    for (const who of Object.keys(users)) codes[who] = await server.issueCode(users[who]);
    assert.equal(new Set(Object.values(codes)).size, 3);
  });

  step('2. app B (secretariat) enrols, creates a dialogue and opens it; nothing is left unsent', async () => {
    await withApp('B', data.secretariat, async (b) => {
      await b.find(tid('enrol-server'));
      await b.shoot('enrol');
      await b.enrol(server.url, codes.secretariat, 'Máy tính bảng thư ký');
      await b.find(tid('nav-review'));
      await b.find(tid('nav-dashboard'));
      assert.equal(await b.driver.executeScript('return location.hash'), '#/dialogues');

      await b.click(tid('dialogue-create'));
      const form = 'form.dialogue-form';
      await b.type(By.css(`${form} input[id$="-title"]`), DIALOGUE_TITLE);
      // A fresh server knows no localities: the secretariat adds the commune from the form.
      await b.setValue(By.css(`${form} select[id$="-level"]`), 'commune');
      await b.type(tid('dialogue-locality-new'), localityName);
      await b.click(tid('dialogue-locality-add'));
      const locality = By.css(`${form} select[id$="-locality"]`);
      await poll(async () => b.driver.executeScript(
        'const s = arguments[0]; const o = s.options[s.selectedIndex]; return !!o && o.value !== "" && o.textContent.trim() === arguments[1];',
        await b.find(locality),
        localityName,
      ), { timeout: 30_000, what: `${localityName} added and chosen` });
      await b.setValue(By.css(`${form} input[id$="-date"]`), vietnamDay(0));
      await b.type(By.css(`${form} input[id$="-venue"]`), 'Hội trường UBND xã');
      await b.click(By.css(`${form} button[type="submit"]`));

      const row = dialogueRow(DIALOGUE_TITLE);
      await b.find(row, { what: 'the new dialogue in the list' });
      await b.shoot('dialogues');
      await b.clickElement(await b.find(By.xpath(`${row.value}//a`)));
      const status = tid('dialogue-status');
      assert.equal(await (await b.find(status)).getAttribute('data-status'), 'planned');
      await b.click(tid('dialogue-status-open'));
      await b.click(tid('dialogue-status-confirm'));
      await poll(async () => (await (await b.find(status)).getAttribute('data-status')) === 'open', { what: 'the dialogue to be open' });
      await b.waitSynced();
    });
  });

  step('3. app A (recorder) enrols and sees the dialogue; offline, five captures each show their number; 5 unsent', async () => {
    await withApp('A', data.recorder, async (a) => {
      await a.enrol(server.url, codes.recorder, 'Máy ghi chép 1');
      assert.equal((await a.all(tid('nav-review'))).length, 0, 'a recorder has no review screen');
      const row = dialogueRow(DIALOGUE_TITLE);
      const li = await a.find(row, { timeout: 30_000, what: "the secretariat's dialogue on the recorder's device" });
      assert.equal(await li.getAttribute('data-status'), 'open');
      await a.waitSynced();

      await server.stop();
      log('server stopped');

      await a.clickElement(await a.find(By.xpath(`${row.value}//a`)));
      await a.click(tid('dialogue-capture'));
      await a.find(tid('capture-content'));
      const topicIds = await Promise.all(
        (await a.all(By.css('[data-testid^="capture-topic-"]'))).map(async (el) => (await el.getAttribute('data-testid')).slice('capture-topic-'.length)),
      );
      assert.ok(topicIds.length >= 5, 'the seeded topics are offered');
      let previous = null;
      for (const [i, content] of QUESTIONS.entries()) {
        await a.type(tid('capture-content'), content);
        let topicName = null;
        if (i % 2 === 0) {
          const chip = tid(`capture-topic-${topicIds[i]}`);
          const pressed = async () => (await (await a.find(chip)).getAttribute('aria-pressed')) === 'true';
          await a.recordEvents();
          await a.click(chip);
          try {
            await poll(pressed, { timeout: 3_000, what: `topic ${topicIds[i]} to be chosen` });
          } catch {
            // Seen now and then on the first capture: the tap does not stick. Logged with the
            // events the page saw, then tapped again, so the rest of the scenario still runs.
            log(`WARNING: the tap on topic ${topicIds[i]} did not choose it; events: ${JSON.stringify(await a.recordedEvents())}`);
            warnings.push(`topic tap lost on question ${i + 1}`);
            await a.click(chip);
            await poll(pressed, { what: `topic ${topicIds[i]} to be chosen after a second tap` });
          }
          topicName = await a.text(chip);
        }
        if (i !== 3) {
          await a.type(tid('capture-citizen-name'), `Công dân số ${i + 1}`);
        } else {
          await a.clickElement(await a.find(tid('capture-anonymous')));
        }
        const clicked = Date.now();
        await a.click(tid('capture-save'));
        const number = await poll(async () => {
          const shown = await a.all(tid('capture-saved-number'));
          if (shown.length === 0) return null;
          const text = (await shown[0].getText()).trim();
          return text && text !== previous ? text : null;
        }, { timeout: 5_000, interval: 50, what: `the number of question ${i + 1}` });
        const ms = Date.now() - clicked;
        assert.match(number, new RegExp(`^[A-Z]+-${String(i + 1).padStart(3, '0')}$`), `question ${i + 1} got ${number}`);
        if (numbers.length > 0) assert.equal(number.split('-')[0], numbers[0].split('-')[0], 'one letter per device');
        assert.ok(ms < 3_000, `the number took ${ms} ms to show`);
        log(`captured ${number} (shown after ${ms} ms)`);
        numbers.push(number);
        topicOf[number] = topicName;
        previous = number;
      }
      await a.waitBadge(5, ['offline'], 30_000);
      assert.equal(await a.text(tid('sync-unsent')), '5');
      await a.shoot('capture');

      await server.start();
      log('server started again');
      const ms = await a.waitBadge(0, ['synced'], 60_000);
      log(`the recorder's outbox drained by itself ${(ms / 1000).toFixed(1)} s after the restart`);
      await a.go('questions');
      await poll(async () => (await a.all(tid('question-row'))).length === 5, { what: "the recorder's five questions" });
      assert.deepEqual(await topicsShown(a), topicOf, 'the topics the recorder chose, on its own device');
    });
  });

  step('4. the server has all five: app B receives them', async () => {
    await withApp('B', data.secretariat, async (b) => {
      await b.go('questions');
      const rows = tid('question-row');
      await poll(async () => (await b.all(rows)).length === 5, { timeout: 30_000, what: 'five questions on the secretariat device' });
      const seen = await Promise.all((await b.all(rows)).map((r) => r.getAttribute('data-number')));
      assert.deepEqual([...seen].sort(), [...numbers].sort());
      assert.deepEqual(await topicsShown(b), topicOf, 'the topics the recorder chose');
      await b.waitSynced();
    });
  });

  step('5. app B selects two in Review and assigns them to the agency with a due date and instructions', async () => {
    await withApp('B', data.secretariat, async (b) => {
      await b.go('review');
      await poll(async () => (await b.all(tid('review-row'))).length === 5, { what: 'five rows in review' });
      assigned = [numbers[0], numbers[2]];
      for (const n of assigned) await b.click(tid(`review-select-${n}`));
      assert.equal(await (await b.find(tid('review-selected'))).getAttribute('data-count'), '2');
      await b.shoot('review');
      await b.click(tid('review-assign'));
      const select = tid('assign-agency');
      // The agency list is the seeded reference data: the option for the agency user's agency
      // carries the id the test computed.
      const label = await poll(async () => b.driver.executeScript(
        'const o = [...arguments[0].options].find((o) => o.value === arguments[1]); return o ? o.textContent.trim() : null;',
        await b.find(select),
        agencyId,
      ), { what: `agency ${agencyId} among the options` });
      assert.equal(label.normalize('NFC'), AGENCY_NAME);
      await b.setValue(select, agencyId);
      const due = vietnamDay(10);
      await b.setValue(tid('assign-due'), due);
      await b.type(tid('assign-instructions'), 'Đề nghị trả lời bằng văn bản trước hạn.');
      await b.click(tid('assign-submit'));
      await poll(async () => !(await b.driver.executeScript('return document.querySelector("dialog.sheet[open]") !== null')), {
        what: 'the assign dialog to close',
      });
      await b.waitSynced();

      // Every screen of the secretariat, with the data as it now stands.
      await b.go('questions');
      await poll(async () => (await b.all(tid('question-row'))).length === 5, { what: 'five questions' });
      for (const n of assigned) {
        const row = await b.find(By.css(`[data-testid="question-row"][data-number="${n}"]`));
        assert.equal(await row.findElement(By.css('[data-status]')).getAttribute('data-status'), 'assigned');
      }
      assert.deepEqual(await topicsShown(b), topicOf, 'the topics after the assignment');
      await b.shoot('questions');
      await b.clickElement(await b.find(By.css(`[data-testid="question-row"][data-number="${assigned[0]}"]`)));
      assert.equal(await b.text(tid('question-number')), assigned[0]);
      await b.find(By.xpath(`//*[contains(@class,"assignments")]//strong[normalize-space()="${AGENCY_NAME}"]`));
      await b.shoot('question-detail');
      await b.go('dialogues');
      await b.find(tid('dialogue-row'));
      await b.clickElement(await b.find(By.css('[data-testid="dialogue-row"] a')));
      await b.find(tid('dialogue-status'));
      await b.shoot('dialogue-detail');
      await b.go('dashboard');
      await b.find(tid('dashboard-headline'));
      await b.shoot('dashboard');
      await b.go('sync');
      await b.find(tid('sync-detail-unsent'));
      await b.shoot('sync');
      await b.go('settings');
      await b.find(tid('settings-role'));
      await b.shoot('settings');
    });
  });

  step('6. app C (agency) enrols; its work list shows exactly the two; it answers one in writing', async () => {
    await withApp('C', data.agency, async (c) => {
      await c.enrol(server.url, codes.agency, 'Máy Sở NN&MT');
      assert.equal(await c.driver.executeScript('return location.hash'), '#/work');
      const rows = tid('work-row');
      await poll(async () => (await c.all(rows)).length === 2, { timeout: 30_000, what: 'two rows in the work list' });
      // Nothing else arrives with a later sync either.
      await c.waitSynced();
      const seen = await Promise.all((await c.all(rows)).map((r) => r.getAttribute('data-number')));
      assert.deepEqual([...seen].sort(), [...assigned].sort());

      answered = assigned[0];
      await c.click(By.css(`[data-testid="work-row"][data-number="${answered}"]`));
      await c.find(tid('answer-document-number'));
      await c.type(tid('answer-document-number'), ANSWER.documentNumber);
      await c.setValue(tid('answer-document-date'), vietnamDay(0));
      await c.type(tid('answer-content'), ANSWER.content);
      // "Answered by" is filled in with the device's agency.
      const by = await c.find(By.id('answer-answered-by'));
      const byValue = await poll(async () => c.driver.executeScript('return arguments[0].value', by), {
        what: 'the answering agency to be filled in',
      });
      assert.equal(byValue.normalize('NFC'), AGENCY_NAME);
      await c.shoot('agency-work');
      await c.click(tid('answer-submit'));
      await poll(async () => {
        const chips = await c.all(By.css(`[data-testid="work-row"][data-number="${answered}"] [data-status]`));
        return chips.length > 0 && (await chips[0].getAttribute('data-status')) === 'answered';
      }, { what: `${answered} to be answered in the work list` });
      await c.waitSynced();
    });
  });

  step('7. app A, after sync, shows the answer and the new status of the answered question', async () => {
    await withApp('A', data.recorder, async (a) => {
      await a.go('questions');
      const row = By.css(`[data-testid="question-row"][data-number="${answered}"]`);
      await poll(async () => {
        const chip = await (await a.find(row)).findElement(By.css('[data-status]'));
        return (await chip.getAttribute('data-status')) === 'answered';
      }, { timeout: 45_000, what: `${answered} to show as answered on the recorder's device` });
      await a.clickElement(await a.find(row));
      assert.equal(await a.text(tid('question-number')), answered);
      assert.equal(await (await a.find(By.css('main .head [data-status]'))).getAttribute('data-status'), 'answered');
      const answer = await a.text(tid('answer'));
      assert.ok(answer.includes(ANSWER.content), `the answer shown: ${answer}`);
      assert.ok(answer.includes(ANSWER.documentNumber), `the document shown: ${answer}`);
      await a.waitSynced();
    });
  });
});
