// The app's figures, measured in the real app through WebDriver (tauri-driver over
// WebKitWebDriver) under Xvfb, against a real server holding a demo province:
//
//   1. cold start: a fresh app process on an enrolled replica, from the WebDriver new-session
//      request to the dialogue list on screen (repeated; median and p95);
//   2. Save → number: on the capture screen, from the click on Save to the first frame that
//      shows the new display number, timed in the page with performance.now() (repeated);
//   3. scrolling the questions list (10,000 questions): a smooth scripted scroll over the whole
//      list, one step per requestAnimationFrame; the frames, and those over 50 ms;
//   4. the bundle: the UI's JS and CSS gzipped, and the release binary's size if there is one.
//
// A standalone script, not a test:
//
//   TOWNHALL_APP=/abs/path/debug/townhall-app TOWNHALL_SERVER=/abs/path/debug/townhall-server \
//     node tests/e2e/bench.mjs [--quick] [--questions N] [--starts N] [--saves N] [--scroll-ms MS]
//
// `cargo xtask bench` runs it after the Rust harness. --quick: 1,000 questions and fewer
// repeats. It prints a table and writes the figures as JSON to <repo>/target/bench/app.json.
//
// Optional: TOWNHALL_DEMO (default: townhall-demo beside TOWNHALL_SERVER), TOWNHALL_RELEASE_APP
// (default: ../release/townhall-app from TOWNHALL_APP's directory; only its size is reported),
// TAURI_DRIVER, WEBKIT_DRIVER (as for app.test.mjs), TOWNHALL_BENCH_KEEP=1 keeps the temp
// directory. Everything it starts runs in a process group of its own, stopped by id at the end.
//
// Under Xvfb there is no GPU: WebKitGTK's DMA-BUF renderer then paints through Mesa's software
// OpenGL, and every frame that changes costs 100-200 ms on two cores, whatever the page does
// (a plain list scrolls no better). So the app runs with WEBKIT_DISABLE_DMABUF_RENDERER=1
// (shared-memory buffers), which leaves the page's own work to measure; TOWNHALL_BENCH_DMABUF=1
// keeps WebKit's default renderer. The plain-list row of the table is the display's own cost.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

import { By } from 'selenium-webdriver';

import {
  App,
  REPO,
  SIZES,
  Server,
  deadline,
  findTauriDriver,
  log,
  openSession,
  poll,
  requireBinary,
  running,
  setLogPrefix,
  sleep,
  start,
  startTauriDriver,
  startXvfb,
  stop,
  tid,
} from './lib.mjs';

setLogPrefix('bench');

const FULL = { questions: 10_000, starts: 5, saves: 20, scrollMs: 10_000 };
const QUICK = { questions: 1_000, starts: 3, saves: 10, scrollMs: 5_000 };
const OUT = path.join(REPO, 'target', 'bench', 'app.json');
/** Questions the capture figure types, one after another. */
const TEXTS = [
  'Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình ở thôn 3.',
  'Đường liên thôn bị xuống cấp, đề nghị sửa chữa trước mùa mưa.',
  'Khi nào hoàn thành việc đền bù giải phóng mặt bằng dự án hồ chứa?',
  'Đề nghị xử lý tình trạng ô nhiễm từ trại chăn nuôi gần khu dân cư.',
  'Chế độ trợ cấp cho người cao tuổi chậm chi trả ba tháng nay.',
];

// ---------------------------------------------------------------- options

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      questions: { type: 'string' },
      starts: { type: 'string' },
      saves: { type: 'string' },
      'scroll-ms': { type: 'string' },
    },
  });
  const base = values.quick ? QUICK : FULL;
  const count = (name, fallback, min) => {
    if (values[name] === undefined) return fallback;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} takes a whole number of at least ${min}, not ${values[name]}`);
    return n;
  };
  return {
    quick: values.quick,
    questions: count('questions', base.questions, 1),
    starts: count('starts', base.starts, 1),
    saves: count('saves', base.saves, 1),
    scrollMs: count('scroll-ms', base.scrollMs, 500),
  };
}

// ---------------------------------------------------------------- figures

/** Median, p95 (nearest rank), min and max of `samples`, rounded to 0.1 ms. */
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  const r = (x) => Math.round(x * 10) / 10;
  return { n: sorted.length, median: r(median), p95: r(rank(0.95)), min: r(sorted[0]), max: r(sorted.at(-1)), samples: samples.map(r) };
}

/** The UI's JS and CSS in ui/dist, raw and gzipped: what index.html loads, and every file. */
function bundleSizes(appBinary) {
  const dist = path.join(REPO, 'ui', 'dist');
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const loaded = new Set([...html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => path.normalize(m[1])));
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|css)$/.test(entry.name)) {
        const bytes = fs.readFileSync(full);
        const rel = path.relative(dist, full);
        files.push({ file: rel, kind: path.extname(rel).slice(1), bytes: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length, atStart: loaded.has(rel) });
      }
    }
  };
  walk(dist);
  const sum = (pick) => files.filter(pick).reduce((acc, f) => ({ bytes: acc.bytes + f.bytes, gzip: acc.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  const release = process.env.TOWNHALL_RELEASE_APP ?? path.resolve(path.dirname(appBinary), '..', 'release', 'townhall-app');
  let releaseBinary = null;
  try {
    const st = fs.statSync(release);
    releaseBinary = { path: release, bytes: st.size, modified: st.mtime.toISOString() };
  } catch {
    // not built: left out
  }
  return {
    js_at_start: sum((f) => f.kind === 'js' && f.atStart),
    css_at_start: sum((f) => f.kind === 'css' && f.atStart),
    js_all: sum((f) => f.kind === 'js'),
    css_all: sum((f) => f.kind === 'css'),
    files,
    release_binary: releaseBinary,
    measured_binary: { path: appBinary, bytes: fs.statSync(appBinary).size },
  };
}

// ---------------------------------------------------------------- in the page

/** Resolves when an element matching `selector` is laid out on screen: polled in the page. */
const VISIBLE = `const el = document.querySelector(arguments[0]); return !!el && el.getClientRects().length > 0;`;

/**
 * Clicks Save and resolves to {number, dom, frame}: ms from the click to the new number in the
 * page, and to the first animation frame after that (the frame that shows it).
 */
const SAVE_AND_TIME = `
  return new Promise((resolve) => {
    const shown = () => document.querySelector('[data-testid="capture-saved-number"]')?.textContent.trim() ?? '';
    const button = document.querySelector('[data-testid="capture-save"]');
    const before = shown();
    let seen = false;
    let timer;
    const observer = new MutationObserver(() => {
      const now = shown();
      if (seen || !now || now === before) return;
      seen = true;
      const dom = performance.now() - t0;
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => resolve({ number: now, dom, frame: performance.now() - t0 }));
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    timer = setTimeout(() => {
      observer.disconnect();
      resolve({ error: 'no new number within 10 s', before, now: shown(), disabled: button?.disabled });
    }, 10000);
    const t0 = performance.now();
    button.click();
  });`;

/**
 * Scrolls the element `arguments[0]` from the top to the end in `arguments[1]` ms, one step per
 * animation frame at the frame's timestamp (a smooth scroll at constant speed), and resolves to
 * the frame times.
 */
const SCROLL_AND_TIME = `
  const [selector, duration] = arguments;
  return new Promise((resolve) => {
    const el = document.querySelector(selector);
    const end = el.scrollHeight - el.clientHeight;
    const times = [];
    let loadingFrames = 0;
    let maxRows = 0;
    let t0 = null;
    const tick = (ts) => {
      times.push(ts);
      // What the last frame showed: rows still loading in the visible part of the list.
      const rows = el.querySelectorAll('[data-testid="question-row"]').length;
      const placeholders = el.querySelectorAll('.placeholder');
      const box = el.getBoundingClientRect();
      for (const p of placeholders) {
        const r = p.getBoundingClientRect();
        if (r.bottom > box.top && r.top < box.bottom) {
          loadingFrames += 1;
          break;
        }
      }
      maxRows = Math.max(maxRows, rows + placeholders.length);
      if (t0 === null) t0 = ts;
      const progress = Math.min(1, (ts - t0) / duration);
      el.scrollTop = end * progress;
      if (progress < 1) {
        requestAnimationFrame(tick);
        return;
      }
      const deltas = times.slice(1).map((t, i) => t - times[i]);
      resolve({ deltas, loadingFrames, maxRows, end, reached: el.scrollTop });
    };
    requestAnimationFrame(tick);
  });`;

/**
 * Puts a plain list over the page where the questions list is: as many rows of the same height,
 * all in the page, no data to fetch. Scrolling it tells what the display costs by itself.
 */
const STATIC_LIST = `
  const [rows, rowHeight] = arguments;
  const list = document.querySelector('[data-testid="question-list"]').getBoundingClientRect();
  const el = document.createElement('div');
  el.id = 'bench-static-list';
  el.style.cssText = \`position:fixed;left:\${list.left}px;top:\${list.top}px;width:\${list.width}px;height:\${list.height}px;overflow:auto;background:#fff;z-index:1000\`;
  const inner = [];
  for (let i = 0; i < rows; i++) inner.push(\`<div style="height:\${rowHeight}px;box-sizing:border-box;border-bottom:1px solid #ddd;padding:12px">Ý kiến số \${i + 1}: nội dung mẫu để đo.</div>\`);
  el.innerHTML = inner.join('');
  document.body.appendChild(el);`;

/** The animation frames of `arguments[0]` ms with nothing happening: what the display gives. */
const IDLE_FRAMES = `
  const duration = arguments[0];
  return new Promise((resolve) => {
    const times = [];
    const tick = (ts) => {
      times.push(ts);
      if (ts - times[0] < duration) requestAnimationFrame(tick);
      else resolve(times.slice(1).map((t, i) => t - times[i]));
    };
    requestAnimationFrame(tick);
  });`;

// ---------------------------------------------------------------- the run

async function main() {
  const opts = options();
  const APP = requireBinary('TOWNHALL_APP');
  const SERVER = requireBinary('TOWNHALL_SERVER');
  const DEMO = process.env.TOWNHALL_DEMO ?? path.join(path.dirname(SERVER), 'townhall-demo');
  fs.accessSync(DEMO, fs.constants.X_OK);
  const tauriDriver = findTauriDriver();
  const webkitDriver = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
  const profile = /\/release\//.test(APP) ? 'release' : /\/debug\//.test(APP) ? 'debug' : 'unknown';
  const started = performance.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'townhall-bench-'));
  const logDir = path.join(tmp, 'logs');
  fs.mkdirSync(logDir);
  const dataDir = path.join(tmp, 'app');
  log(`temp dir ${tmp}; ${opts.questions} questions, ${opts.starts} starts, ${opts.saves} saves, a ${opts.scrollMs} ms scroll; ${profile} app ${APP}`);

  let xvfb;
  let driverProc;
  let server;
  let ok = false;
  const result = {
    when: new Date().toISOString(),
    quick: opts.quick,
    profile,
    app: APP,
    host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, memory_gib: Math.round(os.totalmem() / 2 ** 30) },
    options: opts,
    renderer: process.env.TOWNHALL_BENCH_DMABUF === '1' ? 'dmabuf' : 'shared-memory (WEBKIT_DISABLE_DMABUF_RENDERER=1)',
  };
  try {
    xvfb = await startXvfb(logDir);
    let driverUrl;
    const env = result.renderer === 'dmabuf' ? {} : { WEBKIT_DISABLE_DMABUF_RENDERER: '1' };
    ({ proc: driverProc, url: driverUrl } = await startTauriDriver({ tauriDriver, webkitDriver, display: xvfb.display, logDir, env }));
    server = new Server(SERVER, tmp, logDir);
    await server.start();

    /** A session of the app on the bench's replica; quits it (closing the app) after `fn`. */
    const withApp = async (name, fn) => {
      const t0 = performance.now();
      const driver = await openSession({ driverUrl, app: APP, dataDir, name, logDir });
      const sessionMs = performance.now() - t0;
      const app = new App(name, driver);
      try {
        await driver.manage().setTimeouts({ script: opts.scrollMs + 60_000 });
        return await fn(app, { t0, sessionMs });
      } catch (error) {
        try {
          await app.screenshot(path.join(logDir, `failure-${name}.png`));
          fs.writeFileSync(path.join(logDir, `failure-${name}.html`), await driver.getPageSource());
        } catch (shotError) {
          log(`could not save the failure screen: ${shotError.message}`);
        }
        throw error;
      } finally {
        await Promise.race([driver.quit().catch((e) => log(`quit: ${e.message}`)), deadline(15_000)]);
      }
    };

    // ---- the data: the demo province with N questions on the server, then on the app
    const seedUser = await server.createUser('Máy dữ liệu mẫu', 'secretariat');
    const benchUser = await server.createUser('Thư ký (đo hiệu năng)', 'secretariat');
    const seedCode = await server.issueCode(seedUser);
    const benchCode = await server.issueCode(benchUser);
    const t = performance.now();
    const demoArgs = ['--data-dir', path.join(tmp, 'seed'), '--questions', String(opts.questions), '--server', server.url, '--code', seedCode];
    const demo = start('demo', DEMO, demoArgs, { env: { ...process.env, RUST_LOG: 'warn' }, logDir });
    const exit = await Promise.race([demo.exited, deadline(30 * 60_000).then(() => ({ code: 'timeout' }))]);
    await stop(demo);
    if (exit.code !== 0) throw new Error(`townhall-demo failed (${exit.code ?? exit.signal}); see demo.log in ${logDir}`);
    const demoMs = performance.now() - t;
    const sent = fs.readFileSync(path.join(logDir, 'demo.log'), 'utf8').split('\n').find((l) => l.startsWith('Sent')) ?? '';
    log(`the demo province is on the server after ${(demoMs / 1000).toFixed(1)} s: ${sent}`);

    const pullTimeout = Math.max(5 * 60_000, opts.questions * 100);
    const firstSyncMs = await withApp('warm-up', async (app) => {
      await app.setSize(SIZES[1]);
      await app.find(tid('enrol-server'), { timeout: 30_000 });
      const t0 = performance.now();
      await app.enrol(server.url, benchCode, 'Máy đo hiệu năng');
      await app.waitSynced(pullTimeout);
      await app.go('questions');
      await waitTotal(app, opts.questions, pullTimeout, { reenter: true });
      await app.waitSynced(pullTimeout);
      const ms = performance.now() - t0;
      log(`warm-up: enrolled and pulled ${opts.questions} questions in ${(ms / 1000).toFixed(1)} s`);
      return ms;
    });
    result.setup = { questions: opts.questions, demo_load_and_push_ms: Math.round(demoMs), enrol_and_first_sync_ms: Math.round(firstSyncMs) };

    // ---- 1. cold start
    const firstScreen = [];
    const session = [];
    for (let i = 0; i < opts.starts; i++) {
      await sleep(1_000); // the previous app's process is gone
      await withApp(`start-${i + 1}`, async (app, { t0, sessionMs }) => {
        await poll(() => app.driver.executeScript(VISIBLE, '[data-testid="dialogue-row"]'), {
          timeout: 60_000,
          interval: 10,
          what: 'the dialogue list',
        });
        const ms = performance.now() - t0;
        firstScreen.push(ms);
        session.push(sessionMs);
        log(`cold start ${i + 1}: session ${sessionMs.toFixed(0)} ms, dialogue list ${ms.toFixed(0)} ms`);
      });
    }
    result.cold_start_ms = stats(firstScreen);
    result.cold_start_session_ms = stats(session);

    await withApp('measure', async (app) => {
      await app.setSize(SIZES[1]);
      await app.find(tid('dialogue-row'), { timeout: 60_000 });

      // ---- 3. scrolling the list (before the captures, so it holds exactly N questions)
      await app.go('questions');
      await waitTotal(app, opts.questions, 60_000);
      await poll(() => app.driver.executeScript(
        'return document.querySelectorAll(\'[data-testid="question-row"]\').length > 0 && document.querySelectorAll(\'[data-testid="question-list"] .placeholder\').length === 0',
      ), { timeout: 30_000, what: 'the first rows of the list' });
      await sleep(500);
      const idle = stats(await app.driver.executeScript(IDLE_FRAMES, 2_000));
      const scroll = await app.driver.executeScript(SCROLL_AND_TIME, '[data-testid="question-list"]', opts.scrollMs);
      const frames = stats(scroll.deltas);
      // The same scroll over a plain list of as many rows, all in the page.
      const rowHeight = await app.driver.executeScript(
        'const el = document.querySelector(\'[data-testid="question-list"]\'); return el.scrollHeight / arguments[0];',
        opts.questions,
      );
      await app.driver.executeScript(STATIC_LIST, opts.questions, rowHeight);
      await sleep(500);
      const plain = await app.driver.executeScript(SCROLL_AND_TIME, '#bench-static-list', opts.scrollMs);
      await app.driver.executeScript("document.getElementById('bench-static-list').remove()");
      const plainFrames = stats(plain.deltas);
      result.scroll = {
        questions: opts.questions,
        duration_ms: opts.scrollMs,
        scrolled_px: Math.round(scroll.reached),
        frames: scroll.deltas.length,
        frames_over_50ms: scroll.deltas.filter((d) => d > 50).length,
        frame_ms: { median: frames.median, p95: frames.p95, max: frames.max },
        frames_showing_rows_loading: scroll.loadingFrames,
        idle_frame_ms: { median: idle.median, p95: idle.p95, frames: idle.n },
        plain_list: {
          frames: plain.deltas.length,
          frames_over_50ms: plain.deltas.filter((d) => d > 50).length,
          frame_ms: { median: plainFrames.median, p95: plainFrames.p95, max: plainFrames.max },
        },
        max_rows_in_page: scroll.maxRows,
      };
      log(
        `scroll: ${result.scroll.frames} frames, ${result.scroll.frames_over_50ms} over 50 ms (worst ${frames.max} ms), ` +
          `${scroll.loadingFrames} showing rows still loading; a plain list: ${plain.deltas.length} frames, ` +
          `${result.scroll.plain_list.frames_over_50ms} over 50 ms; idle frames ${idle.median} ms`,
      );
      if (Math.abs(scroll.reached - scroll.end) > 2) throw new Error(`the scroll stopped at ${scroll.reached} of ${scroll.end} px`);

      // ---- 2. Save → number
      await app.go('dialogues');
      await app.clickElement(await app.find(tid('dialogue-row')).then((row) => row.findElement(By.css('a'))));
      await app.click(tid('dialogue-capture'));
      await app.find(tid('capture-content'));
      const frame = [];
      const dom = [];
      const numbers = [];
      for (let i = 0; i < opts.saves; i++) {
        await app.type(tid('capture-content'), `${TEXTS[i % TEXTS.length]} (${i + 1})`);
        await sleep(400); // past the draft's 300 ms debounce: Save alone is timed
        await poll(() => app.driver.executeScript('return !document.querySelector(\'[data-testid="capture-save"]\').disabled'), {
          what: 'Save to be enabled',
        });
        const r = await app.driver.executeScript(SAVE_AND_TIME);
        if (r.error) throw new Error(`save ${i + 1}: ${JSON.stringify(r)}`);
        if (!/^[A-Z]+-\d{3,}$/.test(r.number) || numbers.includes(r.number)) throw new Error(`save ${i + 1} showed ${r.number} after ${numbers.join(', ')}`);
        numbers.push(r.number);
        frame.push(r.frame);
        dom.push(r.dom);
      }
      result.save_to_number_ms = stats(frame);
      result.save_to_number_dom_ms = stats(dom);
      log(`saves: ${numbers[0]} … ${numbers.at(-1)}; median ${result.save_to_number_ms.median} ms`);
    });

    // ---- 4. the bundle
    result.bundle = bundleSizes(APP);
    result.run_ms = Math.round(performance.now() - started);
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    printTable(result);
    console.log(`\nwritten to ${OUT}`);
    ok = true;
  } finally {
    if (server?.proc) await stop(server.proc);
    await stop(driverProc);
    await stop(xvfb?.proc);
    for (const proc of [...running.values()]) await stop(proc);
    if (ok && !process.env.TOWNHALL_BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp} (logs in ${logDir})`);
  }
}

/**
 * Waits until the questions screen's total reads `n`. With `reenter`, it leaves the screen and
 * comes back every few seconds: the screen, once it has shown an empty list, does not fetch
 * again when a sync brings questions in (the window of an empty list wants no page).
 */
async function waitTotal(app, n, timeout, { reenter = false } = {}) {
  let last;
  let entered = Date.now();
  try {
    await poll(async () => {
      if (reenter && Date.now() - entered > 5_000) {
        await app.go('dialogues');
        await app.go('questions');
        entered = Date.now();
      }
      const els = await app.all(tid('questions-total'));
      if (els.length === 0) return false;
      last = Number((await els[0].getText()).replace(/\D/g, ''));
      return last === n;
    }, { timeout, interval: 1_000, what: `the questions list to hold ${n}` });
  } catch (error) {
    throw new Error(`${error.message} (it shows ${last})`);
  }
}

function printTable(r) {
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const rows = [
    ['figure', 'median', 'p95', 'n / detail'],
    ['1. cold start to the dialogue list', `${r.cold_start_ms.median} ms`, `${r.cold_start_ms.p95} ms`, `${r.cold_start_ms.n} starts (session up: median ${r.cold_start_session_ms.median} ms)`],
    ['2. Save → number shown (next frame)', `${r.save_to_number_ms.median} ms`, `${r.save_to_number_ms.p95} ms`, `${r.save_to_number_ms.n} saves (in the page: median ${r.save_to_number_dom_ms.median} ms)`],
    [`3. scroll ${r.scroll.questions.toLocaleString('en')} questions: frames > 50 ms`, `${r.scroll.frames_over_50ms} of ${r.scroll.frames}`, '', `frame median ${r.scroll.frame_ms.median} ms, p95 ${r.scroll.frame_ms.p95} ms, worst ${r.scroll.frame_ms.max} ms; ${r.scroll.frames_showing_rows_loading} frames showed rows still loading; idle frame median ${r.scroll.idle_frame_ms.median} ms`],
    ['   the same scroll, a plain list in the page', `${r.scroll.plain_list.frames_over_50ms} of ${r.scroll.plain_list.frames}`, '', `frame median ${r.scroll.plain_list.frame_ms.median} ms, p95 ${r.scroll.plain_list.frame_ms.p95} ms, worst ${r.scroll.plain_list.frame_ms.max} ms: what the display costs by itself`],
    ['4. UI JS at start (gzip)', kib(r.bundle.js_at_start.gzip), '', `${kib(r.bundle.js_at_start.bytes)} raw; all chunks ${kib(r.bundle.js_all.gzip)} gzip (with the mock backend)`],
    ['4. UI CSS (gzip)', kib(r.bundle.css_all.gzip), '', `${kib(r.bundle.css_all.bytes)} raw`],
    ['4. release binary', r.bundle.release_binary ? mib(r.bundle.release_binary.bytes) : 'not built', '', r.bundle.release_binary ? `${r.bundle.release_binary.path} (${r.bundle.release_binary.modified})` : 'cargo xtask bundle builds it'],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log(
    `\nTownhall app figures (${r.profile} build of the app and server, WebKitGTK under Xvfb with the ${r.renderer} renderer; ` +
      `${r.host.cpus} CPUs; ${r.setup.questions.toLocaleString('en')} questions on the replica)`,
  );
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(`setup: demo load and push ${(r.setup.demo_load_and_push_ms / 1000).toFixed(1)} s, enrol and first sync ${(r.setup.enrol_and_first_sync_ms / 1000).toFixed(1)} s; whole run ${(r.run_ms / 1000).toFixed(0)} s`);
  if (r.profile !== 'release') console.log(`note: figures 1-3 are from the ${r.profile} build of the app and server, not a release build`);
}

// Interrupted: exit, so lib.mjs stops every process group it started (on 'exit').
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
