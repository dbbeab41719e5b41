//! The commands the web UI calls, generated from the one list in `townhall-core`
//! ([`townhall_core::app_commands!`]), each a one-liner into [`townhall_core::commands`].
//!
//! Every command runs off the main thread (`async` in Tauri's sense) and returns its value or
//! a [`CommandError`](townhall_core::app::CommandError) with a stable `code`. A `read` runs on
//! the reading connection, a `write` on the writing one and then wakes the sync task, a `local`
//! write (the capture draft) only on the writing one. The `shell` commands need the app itself
//! and are written by hand in [`shell`], under the list's names and
//! arguments. The list, its arguments and its types are in `docs/IPC.md`.

pub mod shell;

use tauri::State;

use crate::AppState;

/// A command's result.
pub type CommandResult<T> = Result<T, townhall_core::app::CommandError>;

/// Generates the Tauri command of every `read`, `write` and `local` entry of the list.
macro_rules! tauri_commands {
    ($(
        $(#[$meta:meta])*
        $kind:ident $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
            $(= |$r:ident| $body:expr)? ;
    )*) => {
        $( tauri_command! { $(#[$meta])* $kind $name ($($arg: $ty),*) -> $ret } )*
    };
}

/// One command, by kind; `shell` commands are written by hand.
macro_rules! tauri_command {
    ($(#[$meta:meta])* read $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty) => {
        $(#[$meta])*
        #[tauri::command(async)]
        pub fn $name(state: State<'_, AppState>, $($arg: $ty),*) -> CommandResult<$ret> {
            state.read(|r| townhall_core::commands::$name(r, $($arg),*))
        }
    };
    ($(#[$meta:meta])* write $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty) => {
        $(#[$meta])*
        #[tauri::command(async)]
        pub fn $name(state: State<'_, AppState>, $($arg: $ty),*) -> CommandResult<$ret> {
            state.write(|r| townhall_core::commands::$name(r, $($arg),*))
        }
    };
    ($(#[$meta:meta])* local $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty) => {
        $(#[$meta])*
        #[tauri::command(async)]
        pub fn $name(state: State<'_, AppState>, $($arg: $ty),*) -> CommandResult<$ret> {
            let mut replica = crate::state::lock(&state.replica)?;
            Ok(townhall_core::commands::$name(&mut replica, $($arg),*)?)
        }
    };
    ($(#[$meta:meta])* shell $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty) => {};
}

townhall_core::app_commands!(tauri_commands);

/// Generates [`handler`] from the list: the generated commands live here, the `shell` ones in
/// [`shell`].
macro_rules! handler {
    (@paths [$($path:tt)*]) => {
        /// Every command the UI may call, for `Builder::invoke_handler`.
        pub fn handler<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($path)*]
        }
    };
    (@paths [$($path:tt)*]
        $(#[$meta:meta])* shell $name:ident ($($args:tt)*) -> $ret:ty ; $($rest:tt)*) => {
        handler!(@paths [$($path)* crate::commands::shell::$name,] $($rest)*);
    };
    (@paths [$($path:tt)*]
        $(#[$meta:meta])* $kind:ident $name:ident ($($args:tt)*) -> $ret:ty
            = |$r:ident| $body:expr ; $($rest:tt)*) => {
        handler!(@paths [$($path)* crate::commands::$name,] $($rest)*);
    };
    ($($entries:tt)*) => {
        handler!(@paths [] $($entries)*);
    };
}

townhall_core::app_commands!(handler);
