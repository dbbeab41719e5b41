//! The desktop entry point; everything lives in the library so the mobile builds share it.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    townhall_app_lib::run();
}
