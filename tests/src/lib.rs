//! Townhall's end-to-end tests.
//!
//! The tests live in `tests/`; the binaries in `src/bin/` are the child processes they drive,
//! such as `capture-loop`, which the crash test kills at random moments.
