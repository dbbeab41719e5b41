//! Townhall's end-to-end tests.
//!
//! The tests live in `tests/`; the binaries in `src/bin/` are the child processes they drive,
//! such as `capture-loop`, which the crash test kills at random moments.
//! [`devices`] makes enrolled replicas that capture and sync.
//! [`postgres`] starts a throwaway PostgreSQL server for the server's PostgreSQL store tests.
//! [`proxy`] injects network faults between devices and the server.
//! [`chaos`] is the chaos soak (`cargo xtask chaos`), whose devices are [`chaos_device`].

pub mod chaos;
pub mod chaos_device;
pub mod devices;
pub mod postgres;
pub mod proxy;
