use super::*;
use crate::config::Config;
use chrono::{TimeZone, Utc};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn creds() -> Credentials {
    Credentials {
        email: Some("ana@example.com".into()),
        access_token: Some(Secret::new("access-SECRET-1")),
        refresh_token: Some(Secret::new("refresh-SECRET-2")),
        api_key: None,
        access_token_expires_at: Some(
            Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5)
                .single()
                .expect("date"),
        ),
        server: Some("http://127.0.0.1:8000/".into()),
    }
}

fn mock_keyring() -> Arc<dyn SecretBackend> {
    Arc::new(OsKeyring::with_builder(
        KEYRING_SERVICE,
        keyring::mock::default_credential_builder(),
    ))
}

fn options(allow_file_fallback: bool) -> StoreOptions {
    StoreOptions {
        allow_file_fallback,
        timeout: Duration::from_millis(500),
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// No Secret Service here, as on a headless box.
struct NoKeyring;
impl SecretBackend for NoKeyring {
    fn get(&self, _: &str) -> Result<Option<String>, BackendError> {
        Err(BackendError::Unavailable("no D-Bus session".into()))
    }
    fn set(&self, _: &str, _: &str) -> Result<(), BackendError> {
        Err(BackendError::Unavailable("no D-Bus session".into()))
    }
    fn delete(&self, _: &str) -> Result<(), BackendError> {
        Err(BackendError::Unavailable("no D-Bus session".into()))
    }
}

/// Accepts writes but never returns them (keyutils without a session keyring).
struct Forgetful;
impl SecretBackend for Forgetful {
    fn get(&self, _: &str) -> Result<Option<String>, BackendError> {
        Ok(None)
    }
    fn set(&self, _: &str, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
}

/// A hung D-Bus.
struct Hung;
impl SecretBackend for Hung {
    fn get(&self, _: &str) -> Result<Option<String>, BackendError> {
        std::thread::sleep(Duration::from_secs(30));
        Ok(None)
    }
    fn set(&self, _: &str, _: &str) -> Result<(), BackendError> {
        std::thread::sleep(Duration::from_secs(30));
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), BackendError> {
        std::thread::sleep(Duration::from_secs(30));
        Ok(())
    }
}

/// Counts calls, to show when a store is not touched.
struct Counting(AtomicUsize);
impl SecretBackend for Counting {
    fn get(&self, _: &str) -> Result<Option<String>, BackendError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    }
    fn set(&self, _: &str, _: &str) -> Result<(), BackendError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), BackendError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn file_in(dir: &Path) -> std::path::PathBuf {
    dir.join(CREDENTIALS_FILE)
}

#[test]
fn keyring_round_trip_with_keyrings_mock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = CredentialStore::with_backend(mock_keyring(), options(true));
    store.probe().expect("the mock keyring works");

    let mut config = Config::load_from(dir.path()).expect("load");
    let saved = store.save(&mut config, "default", &creds()).expect("save");
    assert_eq!(
        saved,
        Saved {
            location: Location::Keyring,
            warning: None
        }
    );
    assert!(!file_in(dir.path()).exists(), "no plain-text copy");

    // A later invocation reads the record from disk.
    let config = Config::load_from(dir.path()).expect("reload");
    assert_eq!(config.profile_value("default", STORE_KEY), Some("keyring"));
    let loaded = store
        .load(&config, "default")
        .expect("load")
        .expect("stored");
    assert_eq!(loaded.credentials, creds());
    assert_eq!(loaded.location, Location::Keyring);
    assert_eq!(loaded.location.to_string(), "keyring");

    let mut config = config;
    let deleted = store.delete(&mut config, "default").expect("delete");
    assert_eq!(deleted.removed_from, [Location::Keyring]);
    assert_eq!(store.load(&config, "default").expect("load"), None);
    let config = Config::load_from(dir.path()).expect("reload");
    assert_eq!(config.profile_value("default", STORE_KEY), None);
}

#[cfg(unix)]
#[test]
fn file_fallback_is_owner_only_and_round_trips() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = CredentialStore::with_backend(Arc::new(NoKeyring), options(true));
    let mut config = Config::load_from(dir.path()).expect("load");

    let saved = store.save(&mut config, "default", &creds()).expect("save");
    let path = file_in(dir.path());
    assert_eq!(saved.location, Location::File(path.clone()));
    let warning = saved.warning.expect("one warning");
    assert!(!warning.contains('\n'), "{warning}");
    assert!(warning.contains("no D-Bus session"), "{warning}");
    assert!(warning.contains("credentials.json"), "{warning}");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("access-SECRET-1"), "the file really holds it");

    let other = Credentials {
        api_key: Some(Secret::new("key-3")),
        ..Credentials::default()
    };
    store
        .save(&mut config, "work", &other)
        .expect("save second profile");

    let config = Config::load_from(dir.path()).expect("reload");
    assert_eq!(config.profile_value("default", STORE_KEY), Some("file"));
    let loaded = store
        .load(&config, "default")
        .expect("load")
        .expect("stored");
    assert_eq!(loaded.credentials, creds());
    assert_eq!(loaded.location, Location::File(path.clone()));
    assert_eq!(loaded.warning, None);
    assert!(loaded.location.to_string().starts_with("file "));

    let mut config = config;
    let deleted = store.delete(&mut config, "default").expect("delete");
    assert_eq!(deleted.removed_from, [Location::File(path.clone())]);
    assert_eq!(store.load(&config, "default").expect("load"), None);
    let left = store
        .load(&config, "work")
        .expect("load")
        .expect("other profile kept");
    assert_eq!(left.credentials, other);
    store.delete(&mut config, "work").expect("delete");
    assert!(!path.exists(), "the empty file is removed");
}

#[cfg(unix)]
#[test]
fn a_loose_file_mode_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = CredentialStore::with_backend(Arc::new(NoKeyring), options(true));
    let mut config = Config::load_from(dir.path()).expect("load");
    store.save(&mut config, "default", &creds()).expect("save");
    let path = file_in(dir.path());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let loaded = store
        .load(&config, "default")
        .expect("load")
        .expect("stored");
    let warning = loaded.warning.expect("warned");
    assert!(warning.contains("mode 644"), "{warning}");
}

#[test]
fn no_file_fallback_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = CredentialStore::with_backend(Arc::new(NoKeyring), options(false));
    let mut config = Config::load_from(dir.path()).expect("load");
    let err = store
        .save(&mut config, "default", &creds())
        .expect_err("refused");
    assert!(
        matches!(err, StoreError::KeyringUnavailable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--no-file-fallback"), "{err}");
    assert!(!file_in(dir.path()).exists());
    assert!(!config.path().exists());
}

#[test]
fn a_keyring_that_forgets_is_unusable() {
    let store = CredentialStore::with_backend(Arc::new(Forgetful), options(true));
    let err = store.probe().expect_err("read-back fails");
    assert!(err.to_string().contains("could not be read back"), "{err}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    let saved = store.save(&mut config, "default", &creds()).expect("save");
    assert!(matches!(saved.location, Location::File(_)));
}

#[test]
fn a_hung_keyring_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fast = StoreOptions {
        allow_file_fallback: true,
        timeout: Duration::from_millis(100),
    };
    let store = CredentialStore::with_backend(Arc::new(Hung), fast);
    let mut config = Config::load_from(dir.path()).expect("load");
    let started = Instant::now();
    let saved = store.save(&mut config, "default", &creds()).expect("save");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let warning = saved.warning.expect("warned");
    assert!(warning.contains("no answer within 0.1 s"), "{warning}");

    // A profile recorded in the keyring cannot be read while it hangs: a clear error.
    config
        .set_profile_value("default", STORE_KEY, Some("keyring"))
        .expect("record");
    let started = Instant::now();
    let err = store.load(&config, "default").expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, StoreError::KeyringRead { .. }), "{err}");
    let err = store
        .delete(&mut config, "default")
        .expect_err("cannot delete");
    assert!(matches!(err, StoreError::KeyringDelete { .. }), "{err}");
    assert_eq!(
        config.profile_value("default", STORE_KEY),
        Some("keyring"),
        "kept for a retry"
    );
}

#[test]
fn saving_to_the_keyring_removes_a_file_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    CredentialStore::with_backend(Arc::new(NoKeyring), options(true))
        .save(&mut config, "default", &creds())
        .expect("to file");
    assert!(file_in(dir.path()).exists());
    let store = CredentialStore::with_backend(mock_keyring(), options(true));
    let saved = store
        .save(&mut config, "default", &creds())
        .expect("to keyring");
    assert_eq!(saved.location, Location::Keyring);
    assert!(!file_in(dir.path()).exists());
}

#[test]
fn corrupt_credentials_file_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        file_in(dir.path()),
        "{\n  \"profiles\": {\n    \"default\": [}\n",
    )
    .expect("write");
    let config = Config::load_from(dir.path()).expect("load");
    let store = CredentialStore::with_backend(Arc::new(NoKeyring), options(true));
    let err = store.load(&config, "default").expect_err("corrupt");
    let msg = err.to_string();
    assert!(
        matches!(err, StoreError::CorruptFile { line: 3, .. }),
        "{msg}"
    );
    assert!(msg.contains("credentials.json, line 3"), "{msg}");
}

#[test]
fn env_overrides_win_and_leave_the_stores_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let store = CredentialStore::with_backend(counting.clone(), options(true));
    let mut config = Config::load_from(dir.path()).expect("load");
    config
        .set_profile_value("default", STORE_KEY, Some("keyring"))
        .expect("record");

    let env = |name: &str| match name {
        "PINTAR_API_KEY" => Some("env-key".to_string()),
        "PINTAR_TOKEN" => Some("env-token".to_string()),
        _ => None,
    };
    let r = resolve_auth(&env, &store, &config, "default").expect("resolve");
    assert_eq!(r.auth, Auth::ApiKey(Secret::new("env-key")));
    assert_eq!(r.source.to_string(), "env PINTAR_API_KEY");

    let env = |name: &str| (name == "PINTAR_TOKEN").then(|| "env-token".to_string());
    let r = resolve_auth(&env, &store, &config, "default").expect("resolve");
    assert_eq!(
        r.auth,
        Auth::Token {
            access: Secret::new("env-token"),
            refresh: None,
            expires_at: None
        }
    );
    assert_eq!(r.source.to_string(), "env PINTAR_TOKEN");
    assert_eq!(counting.0.load(Ordering::SeqCst), 0, "keyring untouched");

    // Without overrides the record sends us to the (empty) keyring.
    let r = resolve_auth(&no_env, &store, &config, "default").expect("resolve");
    assert_eq!((r.auth, r.source), (Auth::None, AuthSource::None));
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}

#[test]
fn stored_credentials_resolve_with_their_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");

    let store = CredentialStore::with_backend(mock_keyring(), options(true));
    store.save(&mut config, "default", &creds()).expect("save");
    let r = resolve_auth(&no_env, &store, &config, "default").expect("resolve");
    assert_eq!(r.source.to_string(), "keyring");
    assert_eq!(
        r.auth,
        Auth::Token {
            access: Secret::new("access-SECRET-1"),
            refresh: Some(Secret::new("refresh-SECRET-2")),
            expires_at: creds().access_token_expires_at,
        }
    );
    assert_eq!(r.stored, Some(creds()));

    let file_store = CredentialStore::with_backend(Arc::new(NoKeyring), options(true));
    let keyed = Credentials {
        api_key: Some(Secret::new("k")),
        ..creds()
    };
    file_store.save(&mut config, "ci", &keyed).expect("save");
    let r = resolve_auth(&no_env, &file_store, &config, "ci").expect("resolve");
    assert_eq!(
        r.auth,
        Auth::ApiKey(Secret::new("k")),
        "an API key beats tokens"
    );
    assert!(r.source.to_string().starts_with("file "), "{}", r.source);
    assert!(
        r.source.to_string().ends_with("credentials.json"),
        "{}",
        r.source
    );

    let r = resolve_auth(&no_env, &file_store, &config, "nobody").expect("resolve");
    assert_eq!(r.source.to_string(), "none");
}

#[test]
fn debug_output_never_shows_secrets() {
    let c = creds();
    let auth = Auth::from_credentials(&c);
    let shown = format!(
        "{c:?} {auth:?} {:#?}",
        Auth::ApiKey(Secret::new("key-SECRET-3"))
    );
    for secret in ["access-SECRET-1", "refresh-SECRET-2", "key-SECRET-3"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains("ana@example.com"), "non-secrets still show");
}

#[test]
fn expiry_helpers() {
    let c = creds();
    let before = Utc
        .with_ymd_and_hms(2029, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let after = Utc
        .with_ymd_and_hms(2031, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    assert!(!c.access_token_expired(before));
    assert!(c.access_token_expired(after));
    assert!(!c.is_empty());
    assert!(Credentials::default().is_empty());
}

/// Reports what the real OS keyring does on this machine:
/// `cargo test -p pintar-cli real_keyring -- --ignored --nocapture`.
#[test]
#[ignore = "touches the real OS keyring"]
fn real_keyring_probe() {
    let store = CredentialStore::new(StoreOptions::default());
    let started = Instant::now();
    let result = store.probe();
    println!("probe: {result:?} after {:?}", started.elapsed());
}

/// Saves, loads and deletes through the real OS keyring, reporting the path taken.
/// On a headless Linux box, run it inside a session with an unlocked keyring:
/// `dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets
/// && cargo test -p pintar-cli real_keyring -- --ignored --nocapture'`.
#[test]
#[ignore = "touches the real OS keyring"]
fn real_keyring_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    let store = CredentialStore::new(StoreOptions::default());
    let profile = format!("test-{}", std::process::id());
    let saved = store.save(&mut config, &profile, &creds()).expect("save");
    println!("saved to {} (warning: {:?})", saved.location, saved.warning);
    let loaded = store
        .load(&config, &profile)
        .expect("load")
        .expect("stored");
    assert_eq!(loaded.credentials, creds());
    let deleted = store.delete(&mut config, &profile).expect("delete");
    println!("deleted from {:?}", deleted.removed_from);
    assert_eq!(store.load(&config, &profile).expect("load"), None);
}
