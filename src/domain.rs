//! Small types that parse their input once, so the rest of the code never holds nonsense.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A challenge's URL name: lowercase ASCII letters, digits and single dashes, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape_ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if shape_ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(format!(
                "'{}' is not a valid challenge slug (1-64 lowercase letters, digits and single dashes)",
                crate::api::error::excerpt(s)
            ))
        }
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The identifier of one submission. Version 7 UUIDs sort by creation time, which keeps the queue's
/// index and the listing order aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubmissionId(Uuid);

impl SubmissionId {
    pub fn new() -> Self {
        SubmissionId(Uuid::now_v7())
    }
}

impl Default for SubmissionId {
    fn default() -> Self {
        Self::new()
    }
}

impl FromStr for SubmissionId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(SubmissionId)
    }
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// Resource limits of one sandboxed run. Built only through [`Limits::new`], which refuses values a
/// container engine would reject or that would make the sandbox meaningless.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Limits {
    pub time_seconds: u64,
    pub memory_mb: u64,
    pub cpus: f64,
    pub pids: u64,
    pub tmpfs_mb: u64,
}

/// The raw limits as a manifest writes them, before they are checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub time_seconds: u64,
    pub memory_mb: u64,
    pub cpus: f64,
    pub pids: u64,
    pub tmpfs_mb: u64,
}

impl Limits {
    /// Checks each limit against its allowed range; the error names the field and the range.
    pub fn new(raw: &RawLimits) -> Result<Self, String> {
        fn within<T: PartialOrd + fmt::Display>(name: &str, v: T, lo: T, hi: T) -> Result<(), String> {
            if v < lo || v > hi {
                Err(format!("limits.{name}: {v} is outside the allowed range {lo}..={hi}"))
            } else {
                Ok(())
            }
        }
        within("time_seconds", raw.time_seconds, 1, 3600)?;
        within("memory_mb", raw.memory_mb, 32, 65536)?;
        within("cpus", raw.cpus, 0.1, 64.0)?;
        within("pids", raw.pids, 8, 4096)?;
        within("tmpfs_mb", raw.tmpfs_mb, 1, 4096)?;
        if raw.tmpfs_mb > raw.memory_mb {
            return Err(format!(
                "limits.tmpfs_mb: {} exceeds memory_mb {} (tmpfs pages count against the memory limit)",
                raw.tmpfs_mb, raw.memory_mb
            ));
        }
        Ok(Limits {
            time_seconds: raw.time_seconds,
            memory_mb: raw.memory_mb,
            cpus: raw.cpus,
            pids: raw.pids,
            tmpfs_mb: raw.tmpfs_mb,
        })
    }

    /// The safety net behind the CPU-time limit: a run that waits instead of computing (sleeping,
    /// blocked on a pipe) uses no CPU, so the service also stops it on the wall clock. Three times
    /// what the CPU limit takes at full speed, so a busy host rarely starves an honest run into it.
    pub fn wall_clock(&self) -> Duration {
        let cpu_bound = self.time_seconds as f64 / self.cpus.min(1.0);
        Duration::from_secs_f64(cpu_bound * 3.0 + 20.0)
    }

    pub fn memory_bytes(&self) -> i64 {
        (self.memory_mb * 1024 * 1024) as i64
    }

    pub fn nano_cpus(&self) -> i64 {
        (self.cpus * 1e9).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_parse_only_their_shape() {
        assert!("decision-tree-from-scratch".parse::<Slug>().is_ok());
        assert!("k2".parse::<Slug>().is_ok());
        for bad in ["", "Upper", "a_b", "-a", "a-", "a--b", "../etc", "a b", &"x".repeat(65)] {
            assert!(bad.parse::<Slug>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn limits_refuse_out_of_range_values() {
        let ok = RawLimits { time_seconds: 60, memory_mb: 512, cpus: 1.0, pids: 64, tmpfs_mb: 64 };
        assert!(Limits::new(&ok).is_ok());
        let zero_time = RawLimits { time_seconds: 0, ..ok.clone() };
        assert!(Limits::new(&zero_time).unwrap_err().contains("time_seconds"));
        let big_tmpfs = RawLimits { tmpfs_mb: 1024, ..ok.clone() };
        assert!(Limits::new(&big_tmpfs).unwrap_err().contains("tmpfs_mb"));
        let no_cpu = RawLimits { cpus: 0.0, ..ok };
        assert!(Limits::new(&no_cpu).unwrap_err().contains("cpus"));
    }
}

/// Where a challenge version came from: the shipped catalogue folder, or a bundle a hiring team uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Catalogue,
    Upload,
}

impl Origin {
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::Catalogue => "catalogue",
            Origin::Upload => "upload",
        }
    }
}
