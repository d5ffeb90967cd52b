//! Sorting keyring errors into "no keyring here", "locked" and "the keyring failed", without
//! leaking secrets.

use keyring_core::Error;

use crate::KeyringError;

/// Any failure to reach the Secret Service at all means there is none to use.
pub(crate) fn connect_error(e: Error) -> KeyringError {
    KeyringError::Unavailable(e.to_string())
}

/// Maps an error from an entry operation; payloads that may hold secret bytes are dropped.
pub(crate) fn error(e: Error) -> KeyringError {
    match e {
        Error::NoStorageAccess(inner) | Error::PlatformFailure(inner) if locked(inner.as_ref()) => {
            KeyringError::Locked(inner.to_string())
        }
        Error::NoStorageAccess(inner) => KeyringError::Unavailable(format!("denied: {inner}")),
        Error::NoDefaultStore => KeyringError::Unavailable("no credential store".to_owned()),
        Error::PlatformFailure(inner) => {
            if bus_trouble(inner.as_ref()) {
                KeyringError::Unavailable(inner.to_string())
            } else {
                KeyringError::Failed(inner.to_string())
            }
        }
        // These carry the stored bytes: never format them.
        Error::BadEncoding(_) => {
            KeyringError::Failed("the stored password is not utf-8".to_owned())
        }
        Error::BadDataFormat(_, _) => {
            KeyringError::Failed("the stored password is malformed".to_owned())
        }
        Error::Ambiguous(entries) => {
            KeyringError::Failed(format!("{} keyring entries match", entries.len()))
        }
        other @ (Error::NoEntry
        | Error::BadStoreFormat(_)
        | Error::TooLong(_, _)
        | Error::Invalid(_, _)
        | Error::NotSupportedByStore(_)) => KeyringError::Failed(other.to_string()),
        _ => KeyringError::Failed("unknown keyring failure".to_owned()),
    }
}

/// Whether the service said the item or collection is locked, or the unlock prompt was dismissed.
fn locked(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    use secret_service::Error as Ss;
    matches!(inner.downcast_ref::<Ss>(), Some(Ss::Locked | Ss::Prompt))
}

/// Whether a platform error means the bus or the service went away (or never was), not a bad request.
fn bus_trouble(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    use secret_service::Error as Ss;
    matches!(
        inner.downcast_ref::<Ss>(),
        Some(
            Ss::Zbus(_) | Ss::ZbusFdo(_) | Ss::Unavailable | Ss::PromptDisconnected | Ss::NoResult
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(e: secret_service::Error) -> keyring_core::error::PlatformError {
        Box::new(e)
    }

    #[test]
    fn bus_failures_are_unavailable() {
        let cases = [
            Error::PlatformFailure(boxed(secret_service::Error::Unavailable)),
            Error::PlatformFailure(boxed(secret_service::Error::PromptDisconnected)),
            Error::NoStorageAccess(boxed(secret_service::Error::NoResult)),
            Error::NoDefaultStore,
        ];
        for case in cases {
            let shown = format!("{case:?}");
            assert!(
                matches!(error(case), KeyringError::Unavailable(_)),
                "{shown}"
            );
        }
    }

    #[test]
    fn locked_and_dismissed_prompts_are_locked() {
        let cases = [
            Error::NoStorageAccess(boxed(secret_service::Error::Locked)),
            Error::NoStorageAccess(boxed(secret_service::Error::Prompt)),
            Error::PlatformFailure(boxed(secret_service::Error::Locked)),
            Error::PlatformFailure(boxed(secret_service::Error::Prompt)),
        ];
        for case in cases {
            let shown = format!("{case:?}");
            assert!(matches!(error(case), KeyringError::Locked(_)), "{shown}");
        }
    }

    #[test]
    fn other_failures_are_failed() {
        let cases = [
            Error::PlatformFailure(boxed(secret_service::Error::Crypto("bad padding"))),
            Error::Invalid("user".into(), "too long".into()),
            Error::Ambiguous(Vec::new()),
        ];
        for case in cases {
            let shown = format!("{case:?}");
            assert!(matches!(error(case), KeyringError::Failed(_)), "{shown}");
        }
    }

    #[test]
    fn stored_bytes_never_reach_the_message() {
        let secret = b"hunter2-\xff".to_vec();
        let err = error(Error::BadEncoding(secret));
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("104, 117"), "{shown}"); // b"hu" as a Debug byte list
        assert!(matches!(err, KeyringError::Failed(_)));
    }
}
