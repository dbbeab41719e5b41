//! Fixtures shared by the benchmarks, the end-to-end tests, the demo and the dev server: a
//! generator of realistic Vietnamese questions ([`corpus`]), ready-made enrolled replicas with a
//! province, dialogues and questions ([`fixture`]), and the real server on loopback ([`server`]).

pub mod corpus;
pub mod fixture;
pub mod server;
