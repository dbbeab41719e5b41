//! Shared pieces of Townhall's benchmark harness and demo: a generator of realistic Vietnamese
//! questions ([`corpus`]) and ready-made enrolled replicas with a province, dialogues and
//! questions ([`fixture`]).

pub mod corpus;
pub mod fixture;
