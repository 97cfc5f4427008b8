//! tuanthu ("tuân thủ": compliance) measures how Vietnamese state information systems meet the
//! security requirements of their level (Decree 85/2016/NĐ-CP, Circular 12/2022/TT-BTTTT,
//! Decree 331/2026/NĐ-CP).
//!
//! The library is a pipeline, and its modules follow it:
//!
//! * [`inventory`] — what is registered: agencies, systems, levels, approvals, assets, attestations;
//! * [`evidence`] — the evidence contract: typed records of what was measured, evidence files;
//! * [`collect`] — live TLS/HTTP probes of the declared assets, written as evidence;
//! * [`import`] — evidence from the tools agencies already run (nmap, host audits, vulnerability
//!   scans, monitoring agents);
//! * [`engine`] — rules × profiles × evidence → findings and a status per control;
//! * [`report`] — the report and its renderers (table, JSON, CSV, JUnit, SARIF...);
//! * [`aggregate`] — many signed agency reports → one national view; [`gate`] — one system's CI verdict;
//!
//! with [`policy`] (catalogues, level profiles, rules: all data) feeding the engine. The binary is
//! a thin command-line shell over this library; the command line (clap) is the binary's own code,
//! so embedding the engine pulls in no argument parser.
//!
//! Errors: every layer returns its own typed error (`std::error::Error`, with the message shown
//! to the user), and bad input is a [`diag::Problems`] naming file, line and column.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod collect;
pub mod dates;
pub mod diag;
pub mod engine;
pub mod evidence;
pub mod files;
pub mod gate;
pub mod i18n;
pub mod import;
pub mod inventory;
pub mod par;
pub mod policy;
pub mod report;
pub mod sanitize;
pub mod serve;
pub mod suggest;
pub mod yaml;
