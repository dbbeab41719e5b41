//! The app's commands through Tauri's mock runtime: the same handlers, argument names,
//! permissions and JSON the web UI uses, over a real replica file and a real server on
//! loopback.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};
use townhall_app_lib::{AppState, sync_task, townhall_handlers};
use townhall_domain::Role;
use townhall_server::store::Store;
use townhall_testkit::server::TestServer;

struct App {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: Option<tempfile::TempDir>,
}

impl App {
    fn open_in(dir: &std::path::Path) -> Self {
        let state = AppState::open(dir).unwrap();
        let sync = state.sync.clone();
        let replica = state.replica.clone();
        let app = mock_builder()
            .invoke_handler(townhall_handlers!())
            .manage(state)
            .build(tauri::generate_context!())
            .unwrap();
        sync_task::spawn(app.handle().clone(), sync, replica);
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self {
            _app: app,
            webview,
            _dir: None,
        }
    }

    fn open() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut app = Self::open_in(dir.path());
        app._dir = Some(dir);
        app
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} should have failed, returned {v}"),
            Err(e) => e,
        }
    }

    fn state(&self) -> tauri::State<'_, AppState> {
        self.webview.state::<AppState>()
    }

    /// Polls `sync_status` until `done` holds, asking for a sync each time.
    fn wait_for_badge(&self, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let badge = self.ok("sync_status", json!({}));
            if done(&badge) {
                return badge;
            }
            assert!(Instant::now() < deadline, "badge never settled: {badge}");
            self.ok("sync_now", json!({}));
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

struct Hall {
    server: TestServer,
}

impl Hall {
    fn new() -> Self {
        Self {
            server: TestServer::start().unwrap(),
        }
    }

    fn enrol(&self, app: &App, role: Role, name: &str) -> Value {
        let user = self.server.user(name, role, None, None).unwrap();
        let code = self.server.code(user).unwrap();
        let info = app.ok(
            "device_enrol",
            json!({"serverUrl": self.server.url, "code": code, "deviceName": name}),
        );
        // The first sync brings the reference data (localities, agencies) by itself.
        app.wait_for_badge(|b| b["status"]["last_success_at"].is_string());
        info
    }
}

fn capture_input(dialogue: &str, content: &str) -> Value {
    json!({
        "dialogue": dialogue,
        "question": {
            "kind": "petition",
            "source": null,
            "topic": null,
            "content": content,
            "citizen": {"anonymous": false, "name": "Nguyễn Văn An", "locality": "Thôn 3", "phone": "0912345678"}
        },
        "answered_on_site": null
    })
}

fn create_dialogue(app: &App) -> String {
    let locality = app.ok(
        "reference_locality_add",
        json!({"name": "Xã Bắc Bình", "level": "commune", "parent": null}),
    );
    let locality = locality.as_str().unwrap().to_owned();
    let localities = app.ok("reference_localities", json!({}));
    assert!(
        localities
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == locality.as_str())
    );
    let id = app.ok(
        "dialogue_create",
        json!({"input": {
            "title": "Đối thoại với nhân dân năm 2026",
            "level": "commune",
            "locality": locality,
            "audience": "Nhân dân trong xã",
            "venue": "Hội trường UBND xã",
            "starts_at": "2026-12-01T01:00:00Z",
            "hosts": "Chủ tịch UBND xã",
            "coordinating_bodies": "Văn phòng, MTTQ",
            "plan_issued_on": null,
            "attendee_count": null
        }}),
    );
    id.as_str().unwrap().to_owned()
}

#[test]
fn a_fresh_app_is_not_enrolled_and_refuses_to_capture_with_a_code() {
    let app = App::open();
    let info = app.ok("device_info", json!({}));
    assert_eq!(info["enrolled"], false);
    assert!(info["identity"].is_null());
    let badge = app.ok("sync_status", json!({}));
    assert_eq!(badge["status"]["enrolled"], false);
    let error = app.err(
        "question_capture",
        json!({"input": capture_input("0192d2c4-0000-7000-8000-000000000000", "Đường hỏng")}),
    );
    assert_eq!(error["code"], "not_enrolled", "{error}");
}

#[test]
fn enrolment_errors_name_what_went_wrong() {
    let hall = Hall::new();
    let app = App::open();
    let wrong = app.err(
        "device_enrol",
        json!({"serverUrl": hall.server.url, "code": "ABCD-EFGH-JKLM", "deviceName": "Tablet"}),
    );
    assert_eq!(wrong["code"], "bad_code", "{wrong}");
    let address = app.err(
        "device_enrol",
        json!({"serverUrl": "ftp://example", "code": "x", "deviceName": "Tablet"}),
    );
    assert_eq!(address["code"], "bad_address", "{address}");
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let offline = app.err(
        "device_enrol",
        json!({"serverUrl": closed, "code": "ABCD-EFGH-JKLM", "deviceName": "Tablet"}),
    );
    assert_eq!(offline["code"], "offline", "{offline}");
    // A used code.
    let user = hall
        .server
        .user("Lê Thị Bình", Role::Recorder, None, None)
        .unwrap();
    let code = hall.server.code(user).unwrap();
    let first = App::open();
    first.ok(
        "device_enrol",
        json!({"serverUrl": hall.server.url, "code": code, "deviceName": "A"}),
    );
    let used = app.err(
        "device_enrol",
        json!({"serverUrl": hall.server.url, "code": code, "deviceName": "B"}),
    );
    assert_eq!(used["code"], "code_used", "{used}");
    assert_eq!(app.ok("device_info", json!({}))["enrolled"], false);
}

#[test]
fn capture_lists_searches_and_syncs_through_the_commands() {
    let hall = Hall::new();
    let secretariat = App::open();
    let info = hall.enrol(&secretariat, Role::Secretariat, "Văn phòng");
    assert_eq!(info["enrolled"], true);
    assert_eq!(info["identity"]["role"], "secretariat");
    assert_eq!(info["device_name"], "Văn phòng");
    let dialogue = create_dialogue(&secretariat);

    let captured = secretariat.ok(
        "question_capture",
        json!({"input": capture_input(&dialogue, "Đề nghị sửa đường liên thôn Bắc Bình bị sạt lở")}),
    );
    assert_eq!(captured["number"]["counter"], 1);
    let number = format!("{}-001", captured["number"]["letter"].as_str().unwrap());
    secretariat.ok(
        "question_capture",
        json!({"input": capture_input(&dialogue, "Xin hỏi bao giờ sửa đường liên thôn Bắc Bình bị sạt lở nặng")}),
    );

    let list = secretariat.ok(
        "question_list",
        json!({"filter": {"dialogue": dialogue, "statuses": [], "topic": null, "kind": null,
                          "agency": null, "overdue": false, "include_merged": false},
               "sort": "number", "page": {"offset": 0, "limit": 50}}),
    );
    assert_eq!(list["total"], 2);
    assert_eq!(list["rows"][0]["number"], number);

    let filter = json!({"dialogue": null, "statuses": [], "topic": null, "kind": null,
                        "agency": null, "overdue": false, "include_merged": false});
    let hits = secretariat.ok(
        "question_search",
        json!({"query": "duong lien thon", "filter": filter, "limit": 20}),
    );
    assert_eq!(hits.as_array().unwrap().len(), 2, "{hits}");
    assert!(
        !hits[0]["snippet"]["highlights"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let id = captured["id"].as_str().unwrap();
    let similar = secretariat.ok("question_similar", json!({"id": id, "limit": 5}));
    assert_eq!(similar.as_array().unwrap().len(), 1, "{similar}");
    assert_ne!(similar[0]["row"]["id"], captured["id"]);

    let detail = secretariat.ok("question_get", json!({"id": id}));
    assert_eq!(detail["question"]["number"], number);
    assert!(!detail["next_statuses"].as_array().unwrap().is_empty());

    // The background task sends both without being asked once the writes settle.
    let badge = secretariat.wait_for_badge(|b| b["status"]["unsent"] == 0 && b["online"] == true);
    assert!(badge["status"]["last_success_at"].is_string(), "{badge}");
    // The server applied all four changes: the commune, the dialogue and both questions.
    let devices = hall.server.store.devices().unwrap();
    let device = devices.iter().find(|d| d.name == "Văn phòng").unwrap();
    assert_eq!(device.last_applied_seq, 4);
}

#[test]
fn invalid_input_reports_every_field_and_stores_nothing() {
    let hall = Hall::new();
    let app = App::open();
    hall.enrol(&app, Role::Secretariat, "Văn phòng");
    let dialogue = create_dialogue(&app);
    let mut input = capture_input(&dialogue, "   ");
    input["question"]["citizen"]["phone"] = json!("12");
    let error = app.err("question_capture", json!({"input": input}));
    assert_eq!(error["code"], "invalid");
    let fields: Vec<&str> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"content"), "{error}");
    assert!(fields.contains(&"citizen.phone"), "{error}");
    // Wrong types never reach the replica: Tauri refuses the arguments.
    let error = app.err("question_capture", json!({"input": {"dialogue": 5}}));
    assert!(error.is_string() || error.is_object(), "{error}");
    let filter = json!({"dialogue": null, "statuses": [], "topic": null, "kind": null,
                        "agency": null, "overdue": false, "include_merged": false});
    let list = app.ok(
        "question_list",
        json!({"filter": filter, "sort": "newest", "page": {"offset": 0, "limit": 10}}),
    );
    assert_eq!(list["total"], 0);
}

#[test]
fn the_capture_draft_and_settings_survive_closing_the_app() {
    let dir = tempfile::tempdir().unwrap();
    {
        let app = App::open_in(dir.path());
        assert!(app.ok("question_draft_get", json!({})).is_null());
        app.ok(
            "question_draft_set",
            json!({"draft": "{\"content\":\"Đường thôn 3\"}"}),
        );
        assert_eq!(app.ok("settings_get", json!({}))["language"], "vi");
        app.ok("settings_set", json!({"settings": {"language": "en"}}));
    }
    let app = App::open_in(dir.path());
    assert_eq!(
        app.ok("question_draft_get", json!({})),
        json!("{\"content\":\"Đường thôn 3\"}")
    );
    assert_eq!(app.ok("settings_get", json!({}))["language"], "en");
    app.ok("question_draft_set", json!({"draft": null}));
    assert!(app.ok("question_draft_get", json!({})).is_null());
    let too_big = "x".repeat(townhall_core::app::MAX_DRAFT_BYTES + 1);
    app.err("question_draft_set", json!({"draft": too_big}));
}

#[test]
fn commands_outside_the_app_list_are_refused() {
    let app = App::open();
    assert!(app.call("no_such_command", json!({})).is_err());
    // The state is untouched and still answers.
    assert_eq!(app.ok("device_info", json!({}))["enrolled"], false);
    let _ = app.state();
}

#[test]
fn follow_up_and_a_report_export_through_the_commands() {
    let hall = Hall::new();
    let secretariat = App::open();
    hall.enrol(&secretariat, Role::Secretariat, "Văn phòng");
    let dialogue = create_dialogue(&secretariat);
    let captured = secretariat.ok(
        "question_capture",
        json!({"input": capture_input(&dialogue, "Đề nghị sửa đường liên thôn Bắc Bình bị sạt lở")}),
    );
    let id = captured["id"].as_str().unwrap();

    // The due date the form proposes is the policy's 15 working days on, a weekday.
    let due = secretariat.ok("followup_default_due_date", json!({}));
    let due = chrono::NaiveDate::parse_from_str(due.as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert!(
        chrono::Datelike::weekday(&due).num_days_from_monday() < 5,
        "{due}"
    );
    let agencies = secretariat.ok("reference_agencies", json!({"includeArchived": false}));
    let agency = agencies[0]["id"].clone();
    secretariat.ok(
        "assignment_create",
        json!({"questions": [id], "input": {"agency": agency, "due_on": due.to_string(), "instructions": ""}}),
    );
    let row = secretariat.ok("question_get", json!({"id": id}))["question"].clone();
    assert_eq!(row["standing"]["overdue"], false);
    assert_eq!(row["standing"]["working_days_left"], 15);
    let summary = secretariat.ok("followup_summary", json!({}));
    assert_eq!(summary["overdue"], 0);

    // Only an administrator sets the policy.
    let refused = secretariat.err(
        "followup_policy_set",
        json!({"policy": secretariat.ok("followup_policy_get", json!({}))}),
    );
    assert_eq!(refused["code"], "forbidden", "{refused}");

    // The checklist.
    let added = secretariat.ok(
        "followup_checklist_add_standard",
        json!({"dialogue": dialogue}),
    );
    assert_eq!(added.as_array().unwrap().len(), 8);
    let plan = secretariat.ok("followup_dialogue_plan", json!({"dialogue": dialogue}));
    assert_eq!(plan["milestones"].as_array().unwrap().len(), 4);

    // A report and its export, written where the environment says, without personal data.
    let scope = json!({"dialogue": dialogue, "period": null});
    let report = secretariat.ok("report_get", json!({"scope": scope}));
    assert_eq!(report["totals"]["questions"], 1, "{report}");
    let out = tempfile::tempdir().unwrap();
    *secretariat.state().export_dir.lock().unwrap() = Some(out.path().to_owned());
    let done = secretariat.ok(
        "report_export",
        json!({"scope": scope, "options": {
            "format": "csv", "include_personal_data": false, "superior_body": null,
            "issuing_body": "ỦY BAN NHÂN DÂN XÃ BẮC BÌNH", "document_number": "  /BC-UBND",
            "place": "Bắc Bình", "signer": null, "recipients": []}}),
    );
    let path = std::path::PathBuf::from(done["path"].as_str().unwrap());
    assert!(path.starts_with(out.path()), "{path:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with a byte-order mark");
    assert!(text.contains("sạt lở"));
    assert!(
        !text.contains("Nguyễn Văn An"),
        "no personal data unless asked"
    );
    let exports = secretariat.ok("report_exports", json!({}));
    assert_eq!(exports.as_array().unwrap().len(), 1);
}
