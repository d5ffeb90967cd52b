//! Signals the Processes page sends to local processes, and the kernel's refusals in words.

/// A signal the page can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: ask it to end.
    Terminate,
    /// SIGKILL: end it now.
    Kill,
    /// SIGSTOP: pause it.
    Stop,
    /// SIGCONT: resume it.
    Continue,
}

impl Signal {
    /// Every signal offered, in menu order.
    pub const ALL: [Signal; 4] = [
        Signal::Terminate,
        Signal::Kill,
        Signal::Stop,
        Signal::Continue,
    ];

    /// The action parameter and signal name: `TERM`, `KILL`, `STOP`, `CONT`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Terminate => "TERM",
            Self::Kill => "KILL",
            Self::Stop => "STOP",
            Self::Continue => "CONT",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Terminate => "Terminate",
            Self::Kill => "Kill",
            Self::Stop => "Stop (pause)",
            Self::Continue => "Continue",
        }
    }

    /// The signal named `name` (see [`Signal::name`]).
    pub fn parse(name: &str) -> Option<Signal> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What it does, for the confirmation.
    pub fn effect(self) -> &'static str {
        match self {
            Self::Terminate => "asks it to end; unsaved work in it may be lost",
            Self::Kill => "ends it at once, without letting it save or clean up",
            Self::Stop => "pauses it until it is continued",
            Self::Continue => "resumes it if it was stopped",
        }
    }

    fn raw(self) -> rustix::process::Signal {
        match self {
            Self::Terminate => rustix::process::Signal::TERM,
            Self::Kill => rustix::process::Signal::KILL,
            Self::Stop => rustix::process::Signal::STOP,
            Self::Continue => rustix::process::Signal::CONT,
        }
    }
}

/// Why a signal was not sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignalError {
    /// EPERM: the process belongs to another user.
    #[error(
        "Not permitted: process {0} belongs to another user. PSMonitor can signal only your own \
         processes (run it as that user, or use `sudo kill`)."
    )]
    NotPermitted(u32),
    /// ESRCH: it ended already.
    #[error("Process {0} has already ended.")]
    Gone(u32),
    /// Not a pid a signal may go to (0 or beyond the kernel's range).
    #[error("{0} is not a process id that can be signalled.")]
    BadPid(u32),
    /// Anything else the kernel said.
    #[error("Could not signal process {pid}: {error}")]
    Other {
        /// The process.
        pid: u32,
        /// The kernel's answer.
        error: rustix::io::Errno,
    },
}

impl SignalError {
    /// The error for the kernel's answer `errno` about `pid`.
    pub fn from_errno(pid: u32, errno: rustix::io::Errno) -> Self {
        match errno {
            rustix::io::Errno::PERM => Self::NotPermitted(pid),
            rustix::io::Errno::SRCH => Self::Gone(pid),
            error => Self::Other { pid, error },
        }
    }
}

/// Sends `signal` to the local process `pid`.
pub fn send(pid: u32, signal: Signal) -> Result<(), SignalError> {
    let raw = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .ok_or(SignalError::BadPid(pid))?;
    rustix::process::kill_process(raw, signal.raw()).map_err(|e| SignalError::from_errno(pid, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_refusals_are_clear() {
        let e = SignalError::from_errno(1, rustix::io::Errno::PERM);
        assert_eq!(e, SignalError::NotPermitted(1));
        assert!(e.to_string().contains("belongs to another user"));
        assert_eq!(
            SignalError::from_errno(7, rustix::io::Errno::SRCH).to_string(),
            "Process 7 has already ended."
        );
        assert_eq!(send(0, Signal::Terminate), Err(SignalError::BadPid(0)));
        assert_eq!(Signal::parse("CONT"), Some(Signal::Continue));
        assert_eq!(Signal::parse("HUP"), None);
    }
}
