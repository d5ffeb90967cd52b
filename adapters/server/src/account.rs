//! The server's account on disk and in the keyring: first-run creation and password resets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use psmonitor_core::auth::{
    Account, AccountEntropy, Argon2Params, HashError, JwtSecret, Password, create_account,
    hash_password,
};
use psmonitor_keyring::{Keyring, KeyringError};
use psmonitor_store::{EnsureError, Ensured, Store, StoreError};

/// What opening the account found or did.
#[derive(Debug)]
pub enum AccountSetup {
    /// The account existed already.
    Existing(Account),
    /// This run created it; the password is shown once.
    Created {
        /// The new account.
        account: Account,
        /// Its password, generated or taken from `PSMONITOR_PASSWORD`.
        password: Password,
        /// Why the keyring could not keep the password, if it could not.
        keyring: Result<(), KeyringError>,
    },
}

impl AccountSetup {
    /// The account, however it came about.
    pub fn account(&self) -> &Account {
        match self {
            Self::Existing(account) | Self::Created { account, .. } => account,
        }
    }
}

/// Why the account could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The OS random source failed.
    #[error("cannot read the OS random source: {0}")]
    Random(String),
    /// There is no account to reset yet.
    #[error("no account yet: run `psmonitor serve` once to create it")]
    NoAccount,
}

fn random<const N: usize>() -> Result<[u8; N], AccountError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Loads the account, or creates it (user and JWT secret in one transaction) on first run.
///
/// Safe when several processes start together on a fresh data dir (`serve` twice, `serve` and
/// the desktop app): exactly one creates the account and gets [`AccountSetup::Created`] (so only
/// it shows the password and saves it in the keyring); the others get the winner's account.
pub fn load_or_create(
    store: &mut Store,
    keyring: &Keyring,
    params: Argon2Params,
    given_password: Option<Password>,
) -> Result<AccountSetup, AccountError> {
    let mut made = None;
    let ensured = store
        .ensure_account(|| {
            let entropy = AccountEntropy {
                user_id: random()?,
                password: random()?,
                salt: random()?,
                jwt_secret: random()?,
            };
            let created = create_account(&entropy, given_password, params)?;
            made = Some(created.password);
            Ok::<_, AccountError>(created.account)
        })
        .map_err(|e| match e {
            EnsureError::Store(e) => AccountError::Store(e),
            EnsureError::Make(e) => e,
        })?;
    match (ensured, made) {
        (Ensured::Created(account), Some(password)) => {
            let keyring = keyring.store_password(password.expose());
            Ok(AccountSetup::Created {
                account,
                password,
                keyring,
            })
        }
        (Ensured::Created(_), None) => Err(AccountError::Store(StoreError::Inconsistent(
            "an account was created without being made",
        ))),
        (Ensured::Existing(account), _) => Ok(AccountSetup::Existing(account)),
    }
}

/// Sets a new random password and a new token-signing key (every earlier JWT stops working, and
/// the streams opened with one end); API tokens stay. Returns the password and whether the
/// keyring kept it.
pub fn reset_password(
    store: &mut Store,
    keyring: &Keyring,
    params: Argon2Params,
) -> Result<(Password, Result<(), KeyringError>), AccountError> {
    reset_credentials(store, keyring, params, false).map(|(password, kept, _)| (password, kept))
}

/// [`reset_password`], and with `revoke_tokens` every API token revoked in the same
/// transaction; returns the password, whether the keyring kept it, and how many tokens went.
pub fn reset_credentials(
    store: &mut Store,
    keyring: &Keyring,
    params: Argon2Params,
    revoke_tokens: bool,
) -> Result<(Password, Result<(), KeyringError>, usize), AccountError> {
    let account = store.account()?.ok_or(AccountError::NoAccount)?;
    let password = Password::new(URL_SAFE_NO_PAD.encode(random::<32>()?));
    let phc = hash_password(password.expose(), &random::<16>()?, params)?;
    let secret = JwtSecret(random::<32>()?);
    let revoked = store.reset_credentials(&account.user_id, &phc, &secret, revoke_tokens)?;
    let kept = keyring.store_password(password.expose());
    Ok((password, kept, revoked))
}
