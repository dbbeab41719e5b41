//! One page's backend: a temporary replica, the switches the tests turn, and the dispatch of
//! the command list.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::broadcast;
use townhall_core::app::{CommandError, SyncBadge};
use townhall_core::{Clock, ManualClock, Replica, ReplicaError};
use townhall_domain::ErrorCode;

/// An event for the page, as Tauri would emit it.
#[derive(Clone, Debug, Serialize)]
pub struct AppEvent {
    /// `sync-badge`, `data-changed` or `reminder`.
    pub event: String,
    /// Its payload.
    pub payload: Value,
}

/// One command the session served, for tests to read back.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    /// The command's name.
    pub command: String,
    /// Its arguments, as sent.
    pub args: Value,
}

/// What the tests switch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Switches {
    /// Whether the sync badge says the server is reachable.
    pub online: bool,
    /// Every data command fails with `storage` (the `error` scenario).
    pub failing: bool,
    /// Delay before every answer.
    pub latency: Duration,
}

/// One page's backend.
pub struct Session {
    /// The connection that writes; shared with enrolment, which takes an `Arc<Mutex<_>>`.
    pub writer: Arc<Mutex<Replica>>,
    /// The connection that reads.
    pub reader: Mutex<Replica>,
    /// The replica's clock, which the control API sets.
    pub clock: Arc<ManualClock>,
    /// What the tests switch.
    pub switches: Mutex<Switches>,
    /// The commands served, oldest first.
    pub calls: Mutex<Vec<Call>>,
    /// The page's events.
    pub events: broadcast::Sender<AppEvent>,
    /// Where `report_export` writes.
    pub export_dir: PathBuf,
    /// Holds the replica's files until the session ends.
    pub dir: tempfile::TempDir,
}

impl Session {
    /// Opens the replica at `dir/replica.sqlite3` (already built by a scenario) twice.
    pub fn open(
        dir: tempfile::TempDir,
        clock: Arc<ManualClock>,
        switches: Switches,
    ) -> townhall_core::Result<Self> {
        let path = dir.path().join("replica.sqlite3");
        let writer = Replica::open(&path, clock.clone())?;
        let reader = Replica::open(&path, clock.clone())?;
        let (events, _) = broadcast::channel(64);
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            reader: Mutex::new(reader),
            clock,
            switches: Mutex::new(switches),
            calls: Mutex::new(Vec::new()),
            events,
            // Named as the app's folder in the user's documents is.
            export_dir: dir.path().join("Townhall"),
            dir,
        })
    }

    /// The switches now.
    pub fn switches(&self) -> Switches {
        self.switches.lock().map(|s| *s).unwrap_or_default()
    }

    /// Changes the switches, and tells the page when the badge changed.
    pub fn switch(&self, f: impl FnOnce(&mut Switches)) {
        if let Ok(mut switches) = self.switches.lock() {
            f(&mut switches);
        }
        self.emit_badge();
    }

    /// Sends an event to the page (nobody listening is fine).
    pub fn emit(&self, event: &str, payload: impl Serialize) {
        let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
        let _ = self.events.send(AppEvent {
            event: event.to_owned(),
            payload,
        });
    }

    /// Sends the badge as it is now.
    pub fn emit_badge(&self) {
        if let Ok(badge) = self.badge() {
            self.emit("sync-badge", badge);
        }
    }

    /// What the sync badge shows: the replica's sync status and the online switch.
    pub fn badge(&self) -> Result<SyncBadge, CommandError> {
        let status = self.read(Replica::sync_status)?;
        Ok(SyncBadge {
            status,
            online: self.switches().online,
            syncing: false,
            progress: None,
        })
    }

    /// Runs a read on the reading connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Replica) -> townhall_core::Result<T>,
    ) -> Result<T, CommandError> {
        Ok(f(&*lock(&self.reader)?)?)
    }

    /// Runs a write on the writing connection; a change to sync moves the badge's count.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Replica) -> townhall_core::Result<T>,
    ) -> Result<T, CommandError> {
        let out = f(&mut *lock(&self.writer)?)?;
        Ok(out)
    }

    /// Runs `command` with `args` (a JSON object with camelCase keys) and answers its value.
    pub async fn invoke(
        self: &Arc<Self>,
        command: &str,
        args: Value,
    ) -> Result<Value, CommandError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                command: command.to_owned(),
                args: args.clone(),
            });
        }
        let switches = self.switches();
        if !switches.latency.is_zero() {
            tokio::time::sleep(switches.latency).await;
        }
        // The shell still starts when the replica fails: who the device is, its settings and
        // the badge come from elsewhere in the app.
        let shell = [
            "device_info",
            "settings_get",
            "settings_set",
            "sync_status",
            "sync_now",
        ];
        if switches.failing && !shell.contains(&command) {
            return Err(CommandError::new(
                ErrorCode::Storage,
                "the replica cannot be read or written (the error scenario)",
            ));
        }
        match command {
            "device_enrol" => self.enrol(args).await,
            "report_export" => {
                let session = Arc::clone(self);
                run_blocking(move || session.export(args)).await
            }
            _ => {
                let session = Arc::clone(self);
                let command = command.to_owned();
                run_blocking(move || session.dispatch(&command, args)).await
            }
        }
    }

    async fn enrol(&self, args: Value) -> Result<Value, CommandError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Args {
            server_url: String,
            code: String,
            device_name: String,
        }
        let a: Args = parse(args)?;
        let url = a.server_url.trim().trim_end_matches('/').to_owned();
        townhall_core::sync::enrol(&self.writer, &url, a.code.trim(), a.device_name.trim()).await?;
        self.write(|r| r.set_device_name(a.device_name.trim()))?;
        self.switch(|s| s.online = true);
        reply(self.read(|r| r.device_info())?)
    }

    fn export(&self, args: Value) -> Result<Value, CommandError> {
        #[derive(serde::Deserialize)]
        struct Args {
            scope: townhall_core::ReportScope,
            options: townhall_core::ExportOptions,
        }
        let a: Args = parse(args)?;
        let mut replica = lock(&self.writer)?;
        let now = self.clock.now();
        reply(townhall_core::commands::export_report_into(
            &mut replica,
            &a.scope,
            &a.options,
            &self.export_dir,
            now,
        )?)
    }

    fn sync_now(&self) -> Result<(), CommandError> {
        // No sync task here: an attempt "ends" at once, as the app's would offline.
        self.attempted();
        Ok(())
    }

    /// What the app's sync task does after every attempt: sends the badge, and raises the
    /// day's new deadline reminders (each once a day, in the user's language).
    pub fn attempted(&self) {
        self.emit_badge();
        let reminders = lock(&self.writer)
            .and_then(|mut r| Ok(r.take_reminders()?))
            .unwrap_or_default();
        for reminder in reminders {
            self.emit("reminder", reminder);
        }
    }
}

/// Generates [`Session::dispatch`] from the command list.
macro_rules! dispatch {
    ($(
        $(#[$meta:meta])*
        $kind:ident $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
            $(= |$r:ident| $body:expr)? ;
    )*) => {
        impl Session {
            /// Runs one command of the list by name.
            fn dispatch(&self, command: &str, args: Value) -> Result<Value, CommandError> {
                match command {
                    $(stringify!($name) => {
                        #[derive(serde::Deserialize)]
                        #[serde(rename_all = "camelCase")]
                        #[allow(dead_code, reason = "a command may take no arguments")]
                        struct Args { $($arg: $ty),* }
                        #[allow(unused_variables, reason = "a command may take no arguments")]
                        let Args { $($arg),* } = parse(args)?;
                        reply(dispatch_one!(self, $kind $name ($($arg),*))?)
                    })*
                    _ => Err(CommandError::new(
                        ErrorCode::NotFound,
                        format!("no command is called {command}"),
                    )),
                }
            }
        }
    };
}

/// One command's call, by kind.
macro_rules! dispatch_one {
    ($session:ident, read $name:ident ($($arg:ident),*)) => {
        $session.read(|r| townhall_core::commands::$name(r, $($arg),*))
    };
    ($session:ident, write $name:ident ($($arg:ident),*)) => {
        $session.write(|r| townhall_core::commands::$name(r, $($arg),*))
    };
    ($session:ident, local $name:ident ($($arg:ident),*)) => {
        $session.write(|r| townhall_core::commands::$name(r, $($arg),*))
    };
    ($session:ident, shell $name:ident ($($arg:ident),*)) => {
        $session.$name($($arg),*)
    };
}

townhall_core::app_commands!(dispatch);

impl Session {
    fn sync_status(&self) -> Result<SyncBadge, CommandError> {
        self.badge()
    }

    fn sync_diagnostics(&self) -> Result<String, CommandError> {
        // The development server writes no log file of its own: the report has no log lines.
        let facts = townhall_core::diagnostics::AppFacts {
            app_version: concat!("devserver ", env!("CARGO_PKG_VERSION")).to_owned(),
            log_dir: None,
        };
        self.read(|r| townhall_core::diagnostics::report(r, &facts))
    }

    fn device_enrol(
        &self,
        _server_url: String,
        _code: String,
        _device_name: String,
    ) -> Result<(), CommandError> {
        // Answered in `invoke`, which can wait on the network; never reached.
        Err(CommandError::new(
            ErrorCode::Internal,
            "enrolment runs asynchronously",
        ))
    }

    fn report_export(
        &self,
        _scope: townhall_core::ReportScope,
        _options: townhall_core::ExportOptions,
    ) -> Result<(), CommandError> {
        // Answered in `invoke`, with the session's export folder; never reached.
        Err(CommandError::new(
            ErrorCode::Internal,
            "exports run in `invoke`",
        ))
    }
}

fn parse<T: DeserializeOwned>(args: Value) -> Result<T, CommandError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_json::from_value(args).map_err(|e| {
        CommandError::new(
            ErrorCode::BadRequest,
            format!("the arguments do not fit: {e}"),
        )
    })
}

fn reply<T: Serialize>(value: T) -> Result<Value, CommandError> {
    serde_json::to_value(value).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
}

async fn run_blocking(
    f: impl FnOnce() -> Result<Value, CommandError> + Send + 'static,
) -> Result<Value, CommandError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(CommandError::new(
            ErrorCode::Internal,
            format!("the command failed: {e}"),
        ))
    })
}

fn lock(replica: &Mutex<Replica>) -> Result<MutexGuard<'_, Replica>, CommandError> {
    replica.lock().map_err(|_| {
        ReplicaError::Corrupt("the replica lock was poisoned by a crash in another task".to_owned())
            .into()
    })
}
