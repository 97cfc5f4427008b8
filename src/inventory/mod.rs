//! The registry: each agency's information systems as declared in inventory YAML
//! (`tuanthu/inventory/v1`, see `docs/inventory.md`) — level, approval, assets, attested
//! controls, waivers and tailoring.
//!
//! Loading is strict: unknown fields, bad levels, approvals without a decision, duplicate ids and
//! malformed addresses are errors with file:line:column, and every error of every file is
//! reported, not just the first, in both languages. Mistakes that are valid but almost certainly
//! not meant are warnings; the checks that need the policy and the evaluation date (controls of
//! the other catalogue, dates in the future) are in [`checks`]. Nothing here touches the network.

mod assets;
mod load;
mod model;
mod read;
mod scope;
pub mod tailoring;

pub use assets::{
    AssetError, HostAsset, MailAsset, MailProtocol, PortSpec, Starttls, TlsAsset, UrlAsset, parse_domain, same_name,
    same_name_key,
};
pub use load::{FIELDS, InventoryFiles, SCHEMA, load_paths, load_paths_with, parse_file, parse_file_with};
pub use model::*;
pub use scope::Scope;
