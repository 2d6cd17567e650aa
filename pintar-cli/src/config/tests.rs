use super::*;
use std::collections::HashMap;
use std::path::Path;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join(CONFIG_FILE), text).expect("write config");
}

#[test]
fn config_dir_prefers_pintar_then_xdg_then_home() {
    let home = Path::new("/home/ana");
    let env = env_of(&[("PINTAR_CONFIG_DIR", "/tmp/p"), ("XDG_CONFIG_HOME", "/x")]);
    assert_eq!(
        config_dir_with_home(&env, Some(home)).expect("dir"),
        Path::new("/tmp/p")
    );
    let env = env_of(&[("XDG_CONFIG_HOME", "/x")]);
    assert_eq!(
        config_dir_with_home(&env, Some(home)).expect("dir"),
        Path::new("/x/pintar")
    );
    // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    let env = env_of(&[("XDG_CONFIG_HOME", "rel")]);
    assert_eq!(
        config_dir_with_home(&env, Some(home)).expect("dir"),
        Path::new("/home/ana/.config/pintar")
    );
    assert!(matches!(
        config_dir_with_home(&no_env, None),
        Err(ConfigError::NoConfigDir)
    ));
    assert_eq!(
        abbreviate_home(Path::new("/home/ana/.config/pintar/c.json"), home),
        "~/.config/pintar/c.json"
    );
}

#[test]
fn missing_file_is_empty_with_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::load(&env_of(&[(
        "PINTAR_CONFIG_DIR",
        dir.path().to_str().expect("utf-8"),
    )]))
    .expect("load");
    assert_eq!(config.path(), dir.path().join("config.toml"));
    assert_eq!(config.default_profile(), None);
    let server = config.get("default", "server").expect("known key");
    assert_eq!(server.value, None);
    assert_eq!(server.effective(), Some(DEFAULT_SERVER));
    assert_eq!(
        config.get("default", "profile").expect("known").effective(),
        Some("default")
    );
}

#[test]
fn set_get_list_round_trip_keeps_other_profiles_and_comments() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "# my settings\n[profiles.work]\nserver = \"https://work.example.com/\" # prod\ncolour = \"blue\"\n",
    );
    let mut config = Config::load_from(dir.path()).expect("load");
    config
        .set("default", "server", "https://pintar.example.com")
        .expect("set server");
    config
        .set("default", "email", "ana@example.com")
        .expect("set email");
    config.set("default", "output", "JSON").expect("set output");
    config
        .set("ignored", "profile", "work")
        .expect("set profile");
    config.save().expect("save");

    let text = std::fs::read_to_string(dir.path().join(CONFIG_FILE)).expect("read");
    assert!(text.contains("# my settings"), "{text}");
    assert!(text.contains("# prod"), "{text}");
    assert!(text.contains("colour = \"blue\""), "{text}");
    assert!(text.contains("[profiles.default]"), "{text}");
    assert!(!text.contains("[profiles]\n"), "{text}");

    let config = Config::load_from(dir.path()).expect("reload");
    assert_eq!(config.default_profile(), Some("work"));
    assert_eq!(config.profile_names(), ["work", "default"]);
    assert_eq!(
        config.get("work", "server").expect("get").value.as_deref(),
        Some("https://work.example.com/")
    );
    let list = config.list("default");
    let keys: Vec<_> = list.iter().map(|v| v.key).collect();
    assert_eq!(
        keys,
        [
            "profile",
            "server",
            "email",
            "output",
            "allow_http",
            "credentials_store"
        ]
    );
    let value = |k: &str| {
        list.iter()
            .find(|v| v.key == k)
            .and_then(|v| v.value.clone())
    };
    // The URL is stored normalized.
    assert_eq!(
        value("server").as_deref(),
        Some("https://pintar.example.com/")
    );
    assert_eq!(value("email").as_deref(), Some("ana@example.com"));
    assert_eq!(value("output").as_deref(), Some("json"));
    assert_eq!(value("profile").as_deref(), Some("work"));
    assert_eq!(value("credentials_store"), None);
}

#[test]
fn unset_removes_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    config.set("p", "email", "a@b.c").expect("set");
    assert!(config.unset("p", "email").expect("unset"));
    assert!(!config.unset("p", "email").expect("unset again"));
    assert_eq!(config.get("p", "email").expect("get").value, None);
}

#[test]
fn unknown_key_lists_the_known_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    let err = config
        .set("default", "sever", "http://x")
        .expect_err("unknown");
    let msg = err.to_string();
    assert!(msg.contains("unknown config key `sever`"), "{msg}");
    assert!(
        msg.contains("profile, server, email, output, allow_http, credentials_store"),
        "{msg}"
    );
    assert!(matches!(
        config.get("default", "nope"),
        Err(ConfigError::UnknownKey { .. })
    ));
}

#[test]
fn values_are_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load_from(dir.path()).expect("load");
    for bad in [
        "ftp://example.com",
        "example.com",
        "http://user:pw@example.com",
        "https://example.com/?q=1",
        "not a url",
    ] {
        let err = config.set("default", "server", bad).expect_err(bad);
        assert!(
            matches!(err, ConfigError::InvalidValue { key: "server", .. }),
            "{bad}: {err}"
        );
    }
    assert!(
        config
            .set("default", "server", "http://localhost:8000/api")
            .is_ok()
    );
    assert!(config.set("default", "email", "no-at-sign").is_err());
    assert!(config.set("default", "output", "yaml").is_err());
    assert!(matches!(
        config.set("default", "profile", "bad name"),
        Err(ConfigError::InvalidProfileName { .. })
    ));
    assert!(matches!(
        config.set("default", "credentials_store", "file"),
        Err(ConfigError::ReadOnly { .. })
    ));
    assert!(matches!(
        config.set("../etc", "email", "a@b.c"),
        Err(ConfigError::InvalidProfileName { .. })
    ));
}

#[test]
fn corrupt_file_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "profile = \"work\"\n[profiles.work]\nserver = https://x\n",
    );
    let err = Config::load_from(dir.path()).expect_err("corrupt");
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Syntax { line: 3, .. }), "{msg}");
    assert!(msg.contains("config.toml, line 3"), "{msg}");
}

#[test]
fn wrong_types_name_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, line) in [
        ("profile = 3\n", 1),
        ("\n\nprofiles = \"x\"\n", 3),
        ("[profiles]\nwork = 1\n", 2),
        ("[profiles.work]\nemail = \"a@b.c\"\nserver = 8000\n", 3),
    ] {
        write(dir.path(), text);
        match Config::load_from(dir.path()) {
            Err(ConfigError::Syntax { line: got, .. }) => assert_eq!(got, line, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn inline_profile_tables_can_be_edited() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "profiles = { work = { server = \"http://a/\" } }\n",
    );
    let mut config = Config::load_from(dir.path()).expect("load");
    config.set("work", "email", "a@b.c").expect("set existing");
    config.set("home", "server", "http://b").expect("set new");
    config.save().expect("save");
    let config = Config::load_from(dir.path()).expect("reload");
    assert_eq!(config.profile_value("work", "email"), Some("a@b.c"));
    assert_eq!(config.profile_value("work", "server"), Some("http://a/"));
    assert_eq!(config.profile_value("home", "server"), Some("http://b/"));
}

#[cfg(unix)]
#[test]
fn saved_file_is_owner_only_and_no_temp_left() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("a/b");
    let mut config = Config::load_from(&nested).expect("load");
    config.set("default", "email", "a@b.c").expect("set");
    config.save().expect("save");
    let mode = std::fs::metadata(config.path())
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(&nested)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    let names: Vec<_> = std::fs::read_dir(&nested)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["config.toml"]);
}

#[test]
fn resolution_order_is_flag_env_profile_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "profile = \"work\"\n[profiles.work]\nserver = \"https://work.example.com\"\noutput = \"csv\"\n[profiles.home]\nserver = \"http://home:9000\"\n",
    );
    let config = Config::load_from(dir.path()).expect("load");

    let s = resolve_settings(&Overrides::default(), &no_env, &config).expect("resolve");
    assert_eq!(s.profile.value, "work");
    assert!(matches!(s.profile.source, Source::File(_)));
    assert_eq!(s.server.value.as_str(), "https://work.example.com/");
    assert!(
        s.server.source.to_string().ends_with("[profiles.work]"),
        "{}",
        s.server.source
    );
    assert_eq!(s.output.as_deref(), Some("csv"));

    let env = env_of(&[
        ("PINTAR_PROFILE", "home"),
        ("PINTAR_SERVER", "http://env:1"),
    ]);
    let s = resolve_settings(&Overrides::default(), &env, &config).expect("resolve");
    assert_eq!(s.profile.value, "home");
    assert_eq!(s.profile.source, Source::Env("PINTAR_PROFILE"));
    assert_eq!(s.server.value.as_str(), "http://env:1/");
    assert_eq!(s.server.source.to_string(), "env PINTAR_SERVER");

    let flags = Overrides {
        profile: Some("home".into()),
        server: Some("https://flag.example.com".into()),
    };
    let s = resolve_settings(&flags, &env, &config).expect("resolve");
    assert_eq!(s.server.value.as_str(), "https://flag.example.com/");
    assert_eq!(s.server.source, Source::Flag("--server"));
    assert_eq!(s.profile.source, Source::Flag("--profile"));

    let flags = Overrides {
        profile: Some("home".into()),
        server: None,
    };
    let s = resolve_settings(&flags, &no_env, &config).expect("resolve");
    assert_eq!(s.server.value.as_str(), "http://home:9000/");

    let empty = Config::load_from(&dir.path().join("none")).expect("load");
    let s = resolve_settings(&Overrides::default(), &no_env, &empty).expect("resolve");
    assert_eq!(
        s.profile,
        Resolved {
            value: "default".into(),
            source: Source::Default
        }
    );
    assert_eq!(s.server.value.as_str(), "http://127.0.0.1:8000/");
    assert_eq!(s.server.source, Source::Default);
}

#[test]
fn bad_values_in_flags_env_or_file_say_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "[profiles.default]\nserver = \"ftp://old\"\n");
    let config = Config::load_from(dir.path()).expect("load: shape is fine");
    let err = resolve_settings(&Overrides::default(), &no_env, &config).expect_err("bad server");
    assert!(err.to_string().contains("[profiles.default]"), "{err}");
    let env = env_of(&[("PINTAR_SERVER", "nope")]);
    let err = resolve_settings(&Overrides::default(), &env, &config).expect_err("bad env");
    assert!(err.to_string().contains("env PINTAR_SERVER"), "{err}");
    let env = env_of(&[("PINTAR_PROFILE", "no spaces")]);
    assert!(matches!(
        resolve_settings(&Overrides::default(), &env, &config),
        Err(ConfigError::InvalidProfileName { .. })
    ));
}
