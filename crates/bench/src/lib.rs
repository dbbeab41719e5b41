//! Townhall's benchmark harness: the load generator that plays hundreds of devices against the
//! server binary ([`load`]). The question generator, the ready-made replicas and the server on
//! loopback it builds on live in `townhall-testkit`, shared with the tests, the dev server and
//! the demo.

pub mod load;
