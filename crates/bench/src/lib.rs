//! Shared pieces of Townhall's benchmark harness and demo: a generator of realistic Vietnamese
//! questions ([`corpus`]) and ready-made enrolled replicas with a province, dialogues and
//! questions ([`fixture`]), the real server on loopback ([`server`]), and the load generator
//! that plays hundreds of devices against the server binary ([`load`]).

pub mod corpus;
pub mod fixture;
pub mod load;
pub mod server;
