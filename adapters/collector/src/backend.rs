//! [`Backend`]: which host reader `serve --collector` uses.

use std::fmt;
use std::str::FromStr;

use crate::{CollectorError, Sampler, SysinfoCollector};

/// A host reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The lean `/proc` and `/sys` reader ([`crate::HostCollector`]), Linux only.
    Procfs,
    /// The portable `sysinfo` reader ([`SysinfoCollector`]).
    Sysinfo,
}

/// Why a backend name was refused.
#[derive(Debug, thiserror::Error)]
#[error("unknown collector {0:?}: expected procfs or sysinfo")]
pub struct UnknownBackend(pub String);

impl Backend {
    /// `procfs` where `/proc` exists (Linux), else `sysinfo`.
    #[must_use]
    pub fn default_for_host() -> Self {
        if cfg!(target_os = "linux") && std::path::Path::new("/proc/stat").exists() {
            Self::Procfs
        } else {
            Self::Sysinfo
        }
    }

    /// Opens a sampler of this backend.
    pub fn open(self) -> Result<Box<dyn Sampler>, CollectorError> {
        match self {
            #[cfg(target_os = "linux")]
            Self::Procfs => Ok(Box::new(crate::HostCollector::new()?)),
            #[cfg(not(target_os = "linux"))]
            Self::Procfs => Err(CollectorError::ProcfsUnavailable),
            Self::Sysinfo => Ok(Box::new(SysinfoCollector::new()?)),
        }
    }
}

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "procfs" => Ok(Self::Procfs),
            "sysinfo" => Ok(Self::Sysinfo),
            other => Err(UnknownBackend(other.to_owned())),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Procfs => "procfs",
            Self::Sysinfo => "sysinfo",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for b in [Backend::Procfs, Backend::Sysinfo] {
            assert_eq!(b.to_string().parse::<Backend>().unwrap(), b);
        }
        let err = "proc".parse::<Backend>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown collector \"proc\": expected procfs or sysinfo"
        );
    }

    #[test]
    fn procfs_is_the_default_on_linux() {
        assert_eq!(Backend::default_for_host(), Backend::Procfs);
    }
}
