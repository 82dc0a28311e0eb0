//! Data-flow rules: may this data type be pushed to / pulled from this platform?
//! Read from `<project>/integration/data_flow_rules.json` (with the project's
//! `integration_manifest.json` and `sync_schedules.json` beside it, checked for shape).
//!
//! Checked before a byte is written. Changing a rule is audited by the caller.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::project::serde_util::load_json;

pub const RULES: &str = "integration/data_flow_rules.json";
pub const MANIFEST: &str = "integration/integration_manifest.json";
pub const SCHEDULES: &str = "integration/sync_schedules.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Policy {
    Allowed,
    Blocked,
    RequiresApproval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Push,
    Pull,
}

impl Flow {
    pub fn name(self) -> &'static str {
        match self {
            Flow::Push => "push",
            Flow::Pull => "pull",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub platform: String,
    /// A data type, or `*` for every data type of the platform.
    pub data_type: String,
    pub push: Policy,
    pub pull: Policy,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub version: u32,
    /// Policy when no rule matches.
    pub default: Policy,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationManifest {
    pub version: u32,
    pub integrations: Vec<Integration>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    pub platform: String,
    pub name: String,
    /// `file` (outbox/inbox only) or `api` (optional upload stage).
    pub mode: String,
    pub enabled: bool,
    #[serde(default)]
    pub data_types: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSchedules {
    pub version: u32,
    pub schedules: Vec<Schedule>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub platform: String,
    pub data_type: String,
    pub direction: String,
    /// e.g. "monthly:25" (day of month), "weekly:fri", "manual".
    pub when: String,
}

/// The project's rules. A project without the file gets the safe default: everything
/// allowed locally (exports and imports are files the user asked for).
pub fn load(root: &Path) -> Result<(Rules, PathBuf)> {
    let path = root.join(RULES);
    if !path.exists() {
        return Ok((
            Rules {
                version: 1,
                default: Policy::Allowed,
                rules: Vec::new(),
            },
            path,
        ));
    }
    let rules: Rules = load_json(&path, "see docs/DATA.md, section \"data_flow_rules.json\"")?;
    for (i, r) in rules.rules.iter().enumerate() {
        if rules.rules[..i]
            .iter()
            .any(|o| o.platform == r.platform && o.data_type == r.data_type)
        {
            return Err(DataError::new(
                &path,
                format!("two rules for {} / {}", r.platform, r.data_type),
                "keep one rule per platform and data type",
            )
            .field(format!("rules[{i}]"))
            .into());
        }
    }
    // The companions must be well-formed when present.
    for (p, hint) in [
        (MANIFEST, "integration_manifest.json"),
        (SCHEDULES, "sync_schedules.json"),
    ] {
        let full = root.join(p);
        if full.exists() {
            if p == MANIFEST {
                load_json::<IntegrationManifest>(
                    &full,
                    &format!("see docs/DATA.md, section \"{hint}\""),
                )?;
            } else {
                load_json::<SyncSchedules>(
                    &full,
                    &format!("see docs/DATA.md, section \"{hint}\""),
                )?;
            }
        }
    }
    Ok((rules, path))
}

impl Rules {
    /// The policy for a flow: exact rule, then the platform's `*` rule, then the default.
    pub fn policy(&self, platform: &str, data_type: &str, flow: Flow) -> Policy {
        let pick = |r: &Rule| match flow {
            Flow::Push => r.push,
            Flow::Pull => r.pull,
        };
        self.rules
            .iter()
            .find(|r| r.platform == platform && r.data_type == data_type)
            .or_else(|| {
                self.rules
                    .iter()
                    .find(|r| r.platform == platform && r.data_type == "*")
            })
            .map(pick)
            .unwrap_or(self.default)
    }

    /// Sets one rule (creating it if needed); returns the previous policy.
    pub fn set(&mut self, platform: &str, data_type: &str, flow: Flow, policy: Policy) -> Policy {
        let before = self.policy(platform, data_type, flow);
        match self
            .rules
            .iter_mut()
            .find(|r| r.platform == platform && r.data_type == data_type)
        {
            Some(r) => match flow {
                Flow::Push => r.push = policy,
                Flow::Pull => r.pull = policy,
            },
            None => {
                let (push, pull) = match flow {
                    Flow::Push => (policy, self.policy(platform, data_type, Flow::Pull)),
                    Flow::Pull => (self.policy(platform, data_type, Flow::Push), policy),
                };
                self.rules.push(Rule {
                    platform: platform.into(),
                    data_type: data_type.into(),
                    push,
                    pull,
                });
                self.rules
                    .sort_by(|a, b| (&a.platform, &a.data_type).cmp(&(&b.platform, &b.data_type)));
            }
        }
        before
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_then_wildcard_then_default() {
        let mut r = Rules {
            version: 1,
            default: Policy::Blocked,
            rules: vec![
                Rule {
                    platform: "aia".into(),
                    data_type: "*".into(),
                    push: Policy::Allowed,
                    pull: Policy::Blocked,
                },
                Rule {
                    platform: "aia".into(),
                    data_type: "pay_application".into(),
                    push: Policy::RequiresApproval,
                    pull: Policy::Allowed,
                },
            ],
        };
        assert_eq!(
            r.policy("aia", "pay_application", Flow::Push),
            Policy::RequiresApproval
        );
        assert_eq!(r.policy("aia", "schedule", Flow::Push), Policy::Allowed);
        assert_eq!(r.policy("aia", "schedule", Flow::Pull), Policy::Blocked);
        assert_eq!(r.policy("procore", "x", Flow::Push), Policy::Blocked);
        assert_eq!(
            r.set("procore", "x", Flow::Push, Policy::Allowed),
            Policy::Blocked
        );
        assert_eq!(r.policy("procore", "x", Flow::Push), Policy::Allowed);
        assert_eq!(r.policy("procore", "x", Flow::Pull), Policy::Blocked);
    }
}
