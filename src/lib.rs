//! tuanthu — compliance scanner for Vietnamese state information systems.
#![forbid(unsafe_code)]

pub mod collect;
