//! Shared pieces of Townhall's benchmark harness and demo: a generator of realistic Vietnamese
//! questions ([`corpus`]) and ready-made enrolled replicas with a province, dialogues and
//! questions ([`fixture`]), and the real server on loopback ([`server`]).

pub mod corpus;
pub mod fixture;
pub mod server;
