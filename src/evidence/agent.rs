//! `agent` records: a monitoring agent (Wazuh) enrolled for one host, as its manager last saw it.

use serde::{Deserialize, Serialize};

/// The state of one agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentFacts {
    /// The monitoring product (`wazuh`).
    pub tool: String,
    pub agent_id: String,
    /// The manager's word: `active`, `disconnected`, `pending`, `never_connected`.
    pub status: String,
    /// When the manager last heard from the agent (RFC 3339).
    #[serde(default)]
    pub last_keepalive: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// Facts a newer import keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}
