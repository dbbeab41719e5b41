// Follow-up and reports in the real app: a province whose history began six weeks ago (the demo
// loader, through the real sync) has assignments that are overdue and escalated today. The
// secretariat's app shows the overdue count, raises reminders, lists them on the follow-up
// screen, and exports a report whose files hold the totals the screen shows; the leader's app
// shows the escalated questions on the dashboard.
//
//   TOWNHALL_APP=… TOWNHALL_SERVER=… TOWNHALL_DEMO=/abs/path/townhall-demo node --test tests/e2e/followup.test.mjs
//
// Screenshots go to <repo>/target/screenshots/webkit/ (followup-*, report-*).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import {
  Server,
  SHOTS,
  findTauriDriver,
  log,
  poll,
  requireBinary,
  running,
  scenario,
  startTauriDriver,
  startXvfb,
  stop,
  tid,
  withApp as withAppSession,
} from './lib.mjs';

const execFileP = promisify(execFile);

/** Questions the demo loader captures: 4 in 10 assigned, a third of those due weeks ago. */
const DEMO_QUESTIONS = 60;
const STEP_TIMEOUT = 4 * 60_000;

/** The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines). */
function csvRecords(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** A number as the screen shows it in Vietnamese (`1.234`) or English (`1,234`). */
const parseShown = (text) => Number(text.replace(/[^\d]/g, ''));

describe('Follow-up and reports (real app, WebDriver)', { timeout: 12 * 60_000 }, () => {
  let APP;
  let DEMO;
  let tmp;
  let logDir;
  let exportDir;
  let xvfb;
  let driverProc;
  let driverUrl;
  let server;
  const { step, state } = scenario(it, STEP_TIMEOUT);
  const withApp = (name, dataDir, fn) => withAppSession({ driverUrl, app: APP, dataDir, name, logDir, prefix: `followup-${name}` }, fn);
  const codes = {};
  const data = {};

  before(async () => {
    APP = requireBinary('TOWNHALL_APP');
    DEMO = requireBinary('TOWNHALL_DEMO');
    const SERVER = requireBinary('TOWNHALL_SERVER');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'townhall-e2e-followup-'));
    logDir = path.join(tmp, 'logs');
    exportDir = path.join(tmp, 'exports');
    fs.mkdirSync(logDir);
    for (const who of ['secretariat', 'leader']) data[who] = path.join(tmp, `app-${who}`);
    xvfb = await startXvfb(logDir);
    ({ proc: driverProc, url: driverUrl } = await startTauriDriver({
      tauriDriver: findTauriDriver(),
      webkitDriver: process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver',
      display: xvfb.display,
      logDir,
      env: { TOWNHALL_EXPORT_DIR: exportDir },
    }));
    server = new Server(SERVER, tmp, logDir);
  });

  after(async () => {
    if (server?.proc) await stop(server.proc);
    await stop(driverProc);
    await stop(xvfb?.proc);
    for (const proc of [...running.values()]) await stop(proc);
    if (tmp && !state.failed && !process.env.TOWNHALL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`kept ${tmp}`);
  });

  step('1. a province with six weeks of history reaches the server', async () => {
    await server.start();
    const loader = await server.createUser('Văn phòng (dữ liệu mẫu)', 'secretariat');
    const secretariat = await server.createUser('Trần Văn Minh', 'secretariat');
    const leader = await server.createUser('Lê Quang Hải', 'leader');
    codes.loader = await server.issueCode(loader);
    codes.secretariat = await server.issueCode(secretariat);
    codes.leader = await server.issueCode(leader);
    const { stdout } = await execFileP(DEMO, ['--data-dir', path.join(tmp, 'seed'), '--questions', String(DEMO_QUESTIONS), '--server', server.url, '--code', codes.loader], {
      timeout: 120_000,
    });
    assert.match(stdout, /Quá hạn: [1-9]/, `the demo loader reports overdue questions:\n${stdout}`);
  });

  step('2. the secretariat sees the overdue count, gets reminders and the sorted follow-up list', async () => {
    await withApp('S', data.secretariat, async (s) => {
      await s.enrol(server.url, codes.secretariat, 'Máy tính văn phòng');
      await s.waitSynced(60_000);
      const overdue = await poll(async () => {
        const shown = await s.all(tid('followup-overdue-count'));
        if (shown.length === 0) return null;
        const n = parseShown(await shown[0].getText());
        return n > 0 ? n : null;
      }, { timeout: 60_000, what: 'an overdue count in the header' });
      log(`overdue in the header: ${overdue}`);
      // Reminders are checked after every sync attempt; the first sync brought the overdue ones.
      const reminders = await poll(async () => {
        const shown = await s.all(tid('reminder'));
        return shown.length > 0 ? shown : null;
      }, { timeout: 90_000, what: 'a deadline reminder' });
      const reminderText = await reminders[0].getText();
      assert.match(reminderText, /quá hạn|sắp đến hạn/i, reminderText);
      await s.shoot('followup-reminders');

      await s.click(tid('followup-badge'));
      await poll(async () => (await s.driver.executeScript('return location.hash')).startsWith('#/followup'), { what: 'the follow-up screen' });
      const rows = await poll(async () => {
        const found = await s.all(tid('followup-row'));
        return found.length > 0 ? found : null;
      }, { timeout: 30_000, what: 'follow-up rows' });
      const groups = await Promise.all(rows.map((r) => r.getAttribute('data-group')));
      // Escalated first, then overdue, then due soon.
      const order = { escalated: 0, overdue: 1, 'due-soon': 2, due_soon: 2 };
      for (let i = 1; i < groups.length; i++) assert.ok(order[groups[i - 1]] <= order[groups[i]], `rows out of order: ${groups.join(', ')}`);
      assert.equal(groups[0], 'escalated', 'the demo has questions weeks overdue');
      assert.equal(groups.filter((g) => g !== 'due-soon' && g !== 'due_soon').length, overdue, 'every overdue question is listed');
      await s.shoot('followup-list');
    });
  });

  step('3. a report from the app: the exported .csv and .docx hold the totals the screen shows; print view', async () => {
    await withApp('S', data.secretariat, async (s) => {
      await s.find(tid('sync-badge'));
      await s.driver.executeScript("location.hash = '#/reports'");
      await s.find(tid('reports'), { timeout: 30_000 });
      await s.setValue(tid('report-period-kind'), 'year');
      const total = await poll(async () => {
        const shown = await s.all(tid('report-total-questions'));
        if (shown.length === 0) return null;
        const n = parseShown(await shown[0].getText());
        return n > 0 ? n : null;
      }, { timeout: 30_000, what: 'the report totals' });
      const overdueShown = parseShown(await s.text(tid('report-total-overdue')));
      assert.ok(total <= DEMO_QUESTIONS && total >= DEMO_QUESTIONS - 10, `total ${total}`);
      assert.ok(overdueShown > 0);
      await s.type(tid('export-issuing_body'), 'Ủy ban nhân dân tỉnh Lâm Đồng');
      await s.type(tid('export-place'), 'Lâm Đồng');

      const exported = async (format) => {
        await s.click(tid(`export-${format}`));
        const shownPath = await poll(async () => {
          const found = await s.all(tid('export-path'));
          if (found.length === 0) return null;
          const p = (await found[0].getText()).trim();
          return p.endsWith(`.${format}`) ? p : null;
        }, { timeout: 60_000, what: `the ${format} export's path` });
        assert.ok(shownPath.startsWith(exportDir), `${shownPath} is in the export folder`);
        assert.ok(fs.statSync(shownPath).size > 0);
        return shownPath;
      };

      const csv = fs.readFileSync(await exported('csv'), 'utf8');
      assert.equal(csv.charCodeAt(0), 0xfeff, 'UTF-8 with a byte-order mark');
      const records = csvRecords(csv.slice(1)).filter((r) => r.some((f) => f !== ''));
      assert.equal(records.length - 1, total, 'one row per question after the header');

      const docx = await exported('docx');
      const { stdout: xml } = await execFileP('unzip', ['-p', docx, 'word/document.xml'], { maxBuffer: 64 * 1024 * 1024 });
      const text = xml.replace(/<[^>]+>/g, '');
      assert.ok(text.includes('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'), 'the national heading');
      assert.ok(text.includes('Độc lập - Tự do - Hạnh phúc'));
      assert.ok(text.includes('ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG'), 'the issuing body, in capitals');
      const { stdout: styles } = await execFileP('unzip', ['-p', docx, 'word/styles.xml']);
      assert.ok(styles.includes('Times New Roman'), 'the document font');
      assert.ok(text.includes('BÁO CÁO'));
      assert.ok(text.includes(String(total)), `the total ${total} is in the document`);
      await s.shoot('report');

      await s.click(tid('report-print-view'));
      await s.find(tid('report-doc-head'));
      await s.shoot('report-print-view');
    });
  });

  step("4. the leader's dashboard shows the escalated questions", async () => {
    await withApp('L', data.leader, async (l) => {
      await l.enrol(server.url, codes.leader, 'Máy tính lãnh đạo');
      await l.waitSynced(60_000);
      await l.driver.executeScript("location.hash = '#/dashboard'");
      const section = await l.find(tid('dashboard-escalated'), { timeout: 60_000 });
      const count = await poll(async () => {
        const rows = await l.all(tid('dashboard-escalated-row'));
        return rows.length > 0 ? rows.length : null;
      }, { timeout: 60_000, what: 'escalated rows on the dashboard' });
      assert.ok(count > 0);
      assert.ok(parseShown(await l.text(tid('followup-escalated-count'))) > 0, 'the header counts escalations for a leader');
      assert.ok(await section.isDisplayed());
      await l.shoot('followup-leader-dashboard');
    });
  });
});
