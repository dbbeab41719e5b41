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
//
// The helpers it shares with the app benchmark (bench.mjs) are in lib.mjs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { By } from 'selenium-webdriver';

import {
  Server,
  SHOTS,
  dialogueRow,
  findTauriDriver,
  log,
  poll,
  requireBinary,
  running,
  scenario,
  seededId,
  startTauriDriver,
  startXvfb,
  stop,
  tid,
  vietnamDay,
  withApp as withAppSession,
} from './lib.mjs';

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

/** How long one step of the scenario may take. */
const STEP_TIMEOUT = 4 * 60_000;

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
  const { step, state } = scenario(it, STEP_TIMEOUT);
  /** Runs `fn` with app `name` on `dataDir`. */
  const withApp = (name, dataDir, fn) => withAppSession({ driverUrl, app: APP, dataDir, name, logDir }, fn);
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
    ({ proc: driverProc, url: driverUrl } = await startTauriDriver({ tauriDriver, webkitDriver, display: xvfb.display, logDir }));
    server = new Server(SERVER, tmp, logDir);
  });

  after(async () => {
    if (warnings.length > 0) log(`warnings: ${warnings.join('; ')}`);
    if (server?.proc) await stop(server.proc);
    await stop(driverProc);
    await stop(xvfb?.proc);
    for (const proc of [...running.values()]) await stop(proc);
    if (tmp && !state.failed && !process.env.TOWNHALL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`kept ${tmp} (logs in ${logDir})`);
  });

  /** Each listed question's topic as the Questions screen shows it (null for none). */
  async function topicsShown(app) {
    const rows = await app.driver.executeScript(`
      return [...document.querySelectorAll('[data-testid="question-row"]')].map((row) =>
        [row.dataset.number, row.querySelector('.top .topic')?.textContent.trim() ?? null]);`);
    return Object.fromEntries(rows);
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
