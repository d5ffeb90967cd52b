use super::*;

#[test]
fn file_config_reads_kebab_and_snake_keys() {
    let cfg: FileConfig =
        toml::from_str("port = 4600\ndata_dir = \"/x\"\nmax-connections = 5\ninterval = \"2s\"")
            .unwrap();
    assert_eq!(cfg.port, Some(4600));
    assert_eq!(cfg.data_dir, Some(PathBuf::from("/x")));
    assert_eq!(cfg.max_connections, Some(5));
    assert_eq!(cfg.interval.as_deref(), Some("2s"));
}

#[test]
fn tls_auto_is_plain_only_on_loopback() {
    let plain = ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"];
    let tls = [
        "0.0.0.0",
        "::",
        "192.168.1.10",
        "10.0.0.1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
    ];
    for addr in plain {
        assert!(!TlsMode::Auto.enabled_for(addr.parse().unwrap()), "{addr}");
    }
    for addr in tls {
        assert!(TlsMode::Auto.enabled_for(addr.parse().unwrap()), "{addr}");
    }
    assert!(TlsMode::On.enabled_for("127.0.0.1".parse().unwrap()));
    assert!(!TlsMode::Off.enabled_for("0.0.0.0".parse().unwrap()));
    let cfg: FileConfig = toml::from_str("tls = \"on\"\ntls-cert = \"/c.pem\"").unwrap();
    assert_eq!(cfg.tls, Some(TlsMode::On));
}

#[test]
fn tls_files_go_in_pairs_and_need_tls() {
    let mut cfg = ServerConfig::with_data_dir(PathBuf::from("/tmp/x"));
    cfg.tls_cert = Some(PathBuf::from("/c.pem"));
    assert!(matches!(validate(&cfg), Err(ConfigError::HalfTlsPair)));
    cfg.tls_key = Some(PathBuf::from("/k.pem"));
    assert!(validate(&cfg).is_ok());
    cfg.tls = TlsMode::Off;
    assert!(matches!(validate(&cfg), Err(ConfigError::CertWithoutTls)));
}

#[test]
fn file_config_rejects_unknown_keys() {
    let err = toml::from_str::<FileConfig>("prot = 1").unwrap_err();
    assert!(err.message().contains("unknown field"), "{}", err.message());
}

#[test]
fn sizes_parse_in_binary_units_and_errors_say_how_to_write_them() {
    assert_eq!(parse_size("memory-budget", "64MiB").unwrap(), 64 << 20);
    assert_eq!(parse_size("memory-budget", "512k").unwrap(), 512 << 10);
    assert_eq!(parse_size("memory-budget", " 2 GiB ").unwrap(), 2 << 30);
    assert_eq!(parse_size("memory-budget", "1000").unwrap(), 1000);
    for bad in ["", "MiB", "64MB", "-1", "99999999999999999999G", "1.5GiB"] {
        let err = parse_size("memory-budget", bad).unwrap_err().to_string();
        assert!(
            err.contains("memory-budget") && err.contains("64MiB"),
            "{err}"
        );
    }
}

#[test]
fn cors_origins_must_be_origins() {
    let mut cfg = ServerConfig::with_data_dir(PathBuf::from("/tmp/x"));
    cfg.cors_origins = vec![
        "https://dash.example:8443".into(),
        "http://[::1]:4500/".into(),
        "http://localhost".into(),
    ];
    assert!(validate(&cfg).is_ok());
    for bad in [
        "dash.example",
        "https://x/path",
        "ftp://x",
        "https://",
        "*",
        "https://a b",
    ] {
        cfg.cors_origins = vec![bad.into()];
        let err = validate(&cfg).unwrap_err().to_string();
        assert!(err.contains("cors-origin") && err.contains(bad), "{err}");
    }
}

#[test]
fn durations_parse_and_errors_say_how_to_write_them() {
    assert_eq!(
        parse_duration("interval", "250ms").unwrap(),
        Duration::from_millis(250)
    );
    let err = parse_duration("interval", "fast").unwrap_err().to_string();
    assert!(err.contains("interval") && err.contains("500ms"), "{err}");
}

#[test]
fn validation_rejects_short_interval_and_zero_limits() {
    let mut cfg = ServerConfig::with_data_dir(PathBuf::from("/tmp/x"));
    assert!(validate(&cfg).is_ok());
    cfg.interval = Duration::from_millis(100);
    assert!(matches!(
        validate(&cfg),
        Err(ConfigError::IntervalTooShort(_))
    ));
    cfg.interval = MIN_INTERVAL;
    cfg.max_connections = 0;
    assert!(matches!(validate(&cfg), Err(ConfigError::Zero(_))));
}

#[test]
fn validation_rejects_a_silence_limit_below_three_seconds() {
    let mut cfg = ServerConfig::with_data_dir(PathBuf::from("/tmp/x"));
    cfg.silence_limit = Duration::from_millis(2999);
    let err = validate(&cfg).unwrap_err();
    assert!(matches!(err, ConfigError::SilenceLimitTooShort(_)));
    assert!(err.to_string().contains("minimum is 3s"), "{err}");
    cfg.silence_limit = Duration::from_secs(3);
    assert!(validate(&cfg).is_ok());
}
