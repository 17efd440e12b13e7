//! The configuration's loading and checks, read as an operator meets them.
#![allow(clippy::result_large_err)] // figment's Jail returns figment's own error type

use super::*;

fn load(dir: &Path, flags: &FlagOverrides, env_prefix: &str) -> Result<Config, ConfigError> {
    Config::load_from(dir, None, flags, Env::prefixed(env_prefix))
}

#[test]
fn defaults_apply_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.listen.to_string(), "127.0.0.1:8443");
}

#[test]
fn file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "listen = \"127.0.0.1:9000\"\nhostname = \"portal.example.org\"\nlog_level = \"warn\"\n",
    )
    .unwrap();
    let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.hostname.as_deref(), Some("portal.example.org"));

    figment::Jail::expect_with(|jail| {
        jail.set_env("ALCOVE_TEST_A_LISTEN", "127.0.0.1:9100");
        jail.set_env("ALCOVE_TEST_A_LOG_LEVEL", "debug");
        let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_A_").unwrap();
        assert_eq!(c.listen.port(), 9100);
        assert_eq!(c.log_level, LogLevel::Debug);
        let flags = FlagOverrides {
            listen: Some("127.0.0.1:9200".parse().unwrap()),
            http_listen: None,
        };
        let c = load(dir.path(), &flags, "ALCOVE_TEST_A_").unwrap();
        assert_eq!(c.listen.port(), 9200);
        Ok(())
    });
}

#[test]
fn unknown_key_in_file_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), "lissen = \"127.0.0.1:1\"\n").unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_")
        .unwrap_err()
        .to_string();
    assert!(err.contains("lissen"), "{err}");
}

#[test]
fn unknown_environment_key_is_an_error_naming_it() {
    figment::Jail::expect_with(|jail| {
        let dir = tempfile::tempdir().unwrap();
        jail.set_env("ALCOVE_TEST_B_LISEN", "x");
        let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_B_")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lisen"), "{err}");
        Ok(())
    });
}

#[test]
fn unsupported_tls_mode_and_bad_hostname_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), "[tls]\nmode = \"acne\"\n").unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(err.to_string().contains("acne"), "{err}");
    std::fs::write(dir.path().join(CONFIG_FILE), "[tls]\nmode = \"acme\"\n").unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(err.to_string().contains("tls.acme.domains"), "{err}");
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[tls.acme]\ndomains = [\"portal.example.org\"]\n",
    )
    .unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(err.to_string().contains("tls.mode"), "{err}");
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[tls]\nmode = \"acme\"\n[tls.acme]\ndomains = [\"portal.example.org\"]\nchallenge = \"dns-01\"\n",
    )
    .unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(err.to_string().contains("challenge"), "{err}");
    std::fs::write(dir.path().join(CONFIG_FILE), "hostname = \"https://x\"\n").unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(matches!(err, ConfigError::BadHostname(_)));
}

#[test]
fn mail_settings_are_checked_and_the_password_never_prints() {
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
    write("[smtp]\nhost = \"mail.example.org\"\nsecurity = \"none\"\nfrom = \"a@example.org\"\n");
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_M_")
        .unwrap_err()
        .to_string();
    assert!(err.contains("smtp.security"), "{err}");
    write("[smtp]\nhost = \"mail.example.org\"\n");
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_M_")
        .unwrap_err()
        .to_string();
    assert!(err.contains("smtp.from"), "{err}");
    write("[smtp]\nhost = \"mail.example.org\"\nfrom = \"Portal <p@example.org>\"\nusername = \"p\"\npassword = \"hunter2-secret\"\n");
    let config = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_M_").unwrap();
    assert_eq!(config.smtp.port(), 587);
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn the_time_zone_is_a_name_of_the_time_zone_database() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap();
    assert_eq!(c.zone(), Zone::Machine);
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "time_zone = \"Europe/Berlin\"\n",
    )
    .unwrap();
    let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap();
    assert_eq!(c.zone(), Zone::named("Europe/Berlin").unwrap());
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "time_zone = \"Europe/Berln\"\n",
    )
    .unwrap();
    let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_NONE_").unwrap_err();
    assert!(matches!(err, ConfigError::TimeZone(_)));
    assert_eq!(
        err.to_string(),
        "configuration error: `time_zone` \"Europe/Berln\" is not a time zone name; use a name such as Europe/Berlin or America/New_York"
    );
    figment::Jail::expect_with(|jail| {
        jail.set_env("ALCOVE_TEST_Z_TIME_ZONE", "America/New_York");
        let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_Z_").unwrap();
        assert_eq!(c.zone(), Zone::named("America/New_York").unwrap());
        Ok(())
    });
}

#[test]
fn the_store_cache_is_a_setting_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Config::default().store.cache_megabytes, 32);
    figment::Jail::expect_with(|jail| {
        jail.set_env("ALCOVE_TEST_C_STORE__CACHE_MEGABYTES", "16");
        let c = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_C_").unwrap();
        assert_eq!(c.store.cache_megabytes, 16);
        jail.set_env("ALCOVE_TEST_C_STORE__CACHE_MEGABYTES", "2");
        let err = load(dir.path(), &FlagOverrides::default(), "ALCOVE_TEST_C_").unwrap_err();
        assert!(err.to_string().contains("store.cache_megabytes"), "{err}");
        Ok(())
    });
}
