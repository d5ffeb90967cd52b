//! The bundled SQLite is built as `.cargo/config.toml` asks (`LIBSQLITE3_FLAGS`): without the
//! extensions PSMonitor never uses and without per-connection preallocation (issue 23's size and
//! memory budgets). Fails if the flags stop reaching the build.

#[test]
fn sqlite_is_built_small() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
    let options: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for gone in [
        "ENABLE_FTS3",
        "ENABLE_FTS5",
        "ENABLE_RTREE",
        "ENABLE_DBSTAT_VTAB",
        "SOUNDEX",
    ] {
        assert!(!options.iter().any(|o| o == gone), "{gone} in {options:?}");
    }
    for kept in [
        "DEFAULT_PCACHE_INITSZ=0",
        "DEFAULT_LOOKASIDE=1200,8",
        "THREADSAFE=1",
    ] {
        assert!(
            options.iter().any(|o| o == kept),
            "{kept} not in {options:?}"
        );
    }
    let fts5 = conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(x)");
    assert!(fts5.is_err(), "FTS5 is still linked");
}
