//! Writes the seed inputs of every fuzz target under `fuzz/seeds/<target>/`, from real inputs:
//! the collector's recorded `/proc` and `/sys` trees, the host fixtures, this host's own `/proc`,
//! and requests and sessions as in `fixtures/transcripts/`; for the history codec, hand-made
//! values and blobs and one blob as the writer stores it. `fuzz/corpus/` is these seeds after a
//! run and `fuzz/minimise.sh`. Run: `cargo run -p psmonitor-fuzz-bodies --example seeds`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use psmonitor_core::auth::issue_token;
use psmonitor_core::model::HostRecording;
use psmonitor_core::workers::WorkerRegistry;
use psmonitor_fuzz_bodies::hub::steps::{self, Auth, Body, Query, Request, Step};
use psmonitor_fuzz_bodies::{NOW_UNIX, PROCFS_FILES, account, encode_tree};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A `procfs` seed: the selector byte of the parser of `file` (see `PROCFS_FILES`), then `data`.
fn put_proc(file: &str, name: &str, data: &[u8]) {
    let which = PROCFS_FILES
        .iter()
        .position(|f| *f == file)
        .expect("a procfs file") as u8;
    put("procfs", name, &[&[which][..], data].concat());
}

fn put(target: &str, name: &str, data: &[u8]) {
    let dir = repo().join("fuzz/seeds").join(target);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join(name), data).expect("write seed");
}

/// Files under `dir`, recursively, relative to it.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            for (rel, data) in files_under(&path) {
                out.push((Path::new(&entry.file_name()).join(rel), data));
            }
        } else if let Ok(data) = fs::read(&path) {
            out.push((PathBuf::from(entry.file_name()), data));
        }
    }
    out.sort();
    out
}

fn token(issued_ago: u64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(NOW_UNIX - issued_ago);
    issue_token(&account(), at, Duration::from_secs(60))
        .expect("signs")
        .as_str()
        .to_owned()
}

fn procfs_seeds() {
    let testdata = repo().join("adapters/collector/testdata");
    for host in fs::read_dir(&testdata).expect("testdata").flatten() {
        let host_name = host.file_name().to_string_lossy().into_owned();
        for (rel, data) in files_under(&host.path().join("proc")) {
            let name = format!("{host_name}-{}", rel.to_string_lossy().replace('/', "-"));
            if rel.components().count() > 1 {
                put("proc_pid", &name, &data);
            } else {
                put_proc(&rel.to_string_lossy(), &name, &data);
            }
        }
        let sys = host.path().join("sys/class");
        let mut tree = Vec::new();
        for (from, to) in [
            ("hwmon", "hwmon"),
            ("thermal", "thermal"),
            ("power_supply", "power_supply"),
            ("drm", "drm"),
        ] {
            for (rel, data) in files_under(&sys.join(from)) {
                tree.push((Path::new(to).join(rel), data));
            }
        }
        put("sysfs", &host_name, &encode_tree(&tree));
    }
    for file in [
        "stat",
        "meminfo",
        "diskstats",
        "net/dev",
        "mounts",
        "net/wireless",
        "loadavg",
        "uptime",
    ] {
        if let Ok(data) = fs::read(Path::new("/proc").join(file)) {
            put_proc(file, &format!("live-{}", file.replace('/', "-")), &data);
        }
    }
    if let Ok(cpuinfo) = fs::read_to_string("/proc/cpuinfo") {
        let first: String = cpuinfo.split("\n\n").next().unwrap_or_default().to_owned();
        put_proc("cpuinfo", "live-cpuinfo", first.as_bytes());
    }
    for file in ["/etc/os-release", "/etc/passwd"] {
        if let Ok(data) = fs::read(file) {
            put_proc(&file[5..], &format!("live-{}", &file[5..]), &data);
        }
    }
    for file in ["stat", "status"] {
        if let Ok(data) = fs::read(Path::new("/proc/self").join(file)) {
            put("proc_pid", &format!("live-self-{file}"), &data);
        }
    }
    if let Ok(smaps) = fs::read("/proc/self/smaps") {
        put(
            "proc_pid",
            "live-self-smaps",
            &smaps[..smaps.len().min(1500)],
        );
    }
    put("proc_pid", "long-comm", b"42 (kworker/u16:3-events_unbound) S 2 0 0 0 -1 69238880 0 0 0 0 0 3 0 0 20 0 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 0 0 0");
    put("proc_pid", "cmdline-truncated", b"7 (systemd-journal) S 1 7 7 0 -1 4194560 5 0 0 0 9 8 0 0 19 -1 1 0 42 99 -5 18446744073709551615\0/usr/lib/systemd/systemd-journald\0");
}

fn fixture_seeds() {
    for host in fs::read_dir(repo().join("fixtures/hosts"))
        .expect("fixtures")
        .flatten()
    {
        let text = fs::read_to_string(host.path()).expect("fixture");
        let mut recording: HostRecording = serde_json::from_str(&text).expect("fixture parses");
        recording.readings.truncate(2);
        for reading in &mut recording.readings {
            reading.processes.truncate(2);
            reading.cpu.cores.truncate(2);
            reading.interfaces.truncate(2);
            reading.disks.truncate(2);
        }
        let name = host
            .path()
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        put(
            "fixture_json",
            &name,
            serde_json::to_string(&recording).expect("json").as_bytes(),
        );
    }
}

fn http_seeds() {
    let heads: [(&str, &[u8]); 9] = [
        ("get-system", b"GET /system HTTP/1.1\r\nHost: example:4500\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n"),
        ("login", b"POST /authenticate HTTP/1.1\r\nHost: 127.0.0.1:4500\r\nContent-Type: application/json\r\nContent-Length: 44\r\n\r\n{\"username\":\"PSMonitor\",\"password\":\"x\"}"),
        ("chunked", b"POST /worker HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("upgrade", b"GET /connect?id=abc&subscriber=u HTTP/1.1\r\nHost: [::1]:4500\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
        ("http10-keepalive", b"GET /network HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        ("options-star", b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("smuggle-cl-te", b"POST /refresh HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("two-lengths", b"POST /refresh HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 6\r\n\r\nhello!"),
        ("pipelined", b"GET /metrics HTTP/1.1\r\nHost: h\r\nAccept: application/openmetrics-text\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
    ];
    for (name, data) in heads {
        put("http1_head", name, data);
    }
    let chunked: [(&str, &[u8]); 5] = [
        ("one-chunk", b"\x125\r\nhello\r\n0\r\n\r\n"),
        (
            "extensions-trailers",
            b"\x37a;name=value\r\n0123456789\r\n3\r\nabc\r\n0\r\nExpires: never\r\n\r\nNEXT",
        ),
        ("bare-lf", b"\x004\nwiki\n5\npedia\n0\n\n"),
        ("too-large", b"\x00fff\r\nx\r\n"),
        ("partial", b"\xf110\r\n0123456"),
    ];
    for (name, data) in chunked {
        put("http1_chunked", name, data);
    }
    let fresh = token(0);
    let auths = [
        ("fresh".to_owned(), format!("Bearer {fresh}")),
        ("lower-scheme".to_owned(), format!("bearer  {fresh} ")),
        ("expired".to_owned(), format!("Bearer {}", token(120))),
        ("api".to_owned(), "Bearer psm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
        ("basic".to_owned(), "Basic UFNNb25pdG9yOnB3".to_owned()),
        ("alg-none".to_owned(), "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIzZjFjMmQ0ZS0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJleHAiOjk5OTk5OTk5OTksImlhdCI6MCwidHlwZSI6ImFjY2VzcyJ9.".to_owned()),
    ];
    for (name, header) in auths {
        put("authorization", &name, header.as_bytes());
    }
    let bodies: [(&str, &[u8]); 6] = [
        (
            "login",
            br#"{"username":"PSMonitor","password":"correct horse"}"#,
        ),
        (
            "login-escapes",
            br#"{"password":"p\u00e9\"\\","username":"u","extra":[1,{"a":null}]}"#,
        ),
        ("not-object", br#"["PSMonitor","pw"]"#),
        ("scope-read", b"read"),
        ("scope-metrics", b"metrics"),
        ("token-name", b"prometheus-1.main_x"),
    ];
    for (name, data) in bodies {
        put("bodies", name, data);
    }
    let mut workers = WorkerRegistry::new(
        psmonitor_fuzz_bodies::WORKER_SEED,
        Duration::from_secs(5),
        16,
    );
    let id = workers
        .create(
            psmonitor_fuzz_bodies::SUBSCRIBER,
            psmonitor_core::workers::Credential::Session { started: 0 },
            std::net::Ipv4Addr::LOCALHOST.into(),
            std::time::Instant::now(),
        )
        .expect("created");
    let sub = psmonitor_fuzz_bodies::SUBSCRIBER;
    let queries = [
        ("claim", format!("id={}&subscriber={sub}", id.as_str())),
        (
            "claim-detail",
            format!("subscriber={sub}&id={}&detail=full", id.as_str()),
        ),
        (
            "wrong-subscriber",
            format!("id={}&subscriber=someone", id.as_str()),
        ),
        ("no-id", format!("subscriber={sub}")),
        ("repeated", "id=&id=x&subscriber&=".to_owned()),
    ];
    for (name, q) in queries {
        put("query", name, q.as_bytes());
    }
    let history: [(&str, &[u8]); 5] = [
        (
            "range",
            b"\x00series=cpu.usage,mem.percent&since=1699996400&until=1700000000&step=60",
        ),
        ("default-range", b"\x41series=net.rx_bps%40eth0"),
        (
            "instances",
            b"\x82series=cpu.usage@0,cpu.usage@12,disk.used_percent@%2F&step=1",
        ),
        (
            "year-9999",
            b"\x03series=load.1&since=253402300000&until=253402300799",
        ),
        (
            "plus-and-escapes",
            b"\x04series=mem.percent&since=0&until=34560000&step=86400",
        ),
    ];
    for (name, data) in history {
        put("history_query", name, data);
    }
}

/// `history_codec` seeds: a selector byte (bit 0 the width, bits 1-2 the start time, bits 3-5
/// the series count, bit 7 "a stored blob follows"), then `f32` values or a blob.
fn history_codec_seeds() {
    use psmonitor_history::fuzzing::{Chunk, MAGIC, encode};

    let values = |selector: u8, bits: &[u32], times: usize| {
        let mut out = vec![selector];
        for _ in 0..times {
            for b in bits {
                out.extend_from_slice(&b.to_le_bytes());
            }
        }
        out
    };
    // Two kinds of NaN, the quiet one with a payload.
    let nans = [[0x7fc0_0001; 6], [0xffff_ffff; 6]].concat();
    put("history_codec", "values-odd-nans", &values(0x10, &nans, 1));
    // 42.5 twice, 42.6, NaN, -0.0, 1e9, 3.25, 3.5.
    let one = [
        0x422a_0000,
        0x422a_0000,
        0x422a_6666,
        0x7fc0_0000,
        0x8000_0000,
        0x4e6e_6b28,
        0x4050_0000,
        0x4060_0000,
    ];
    put("history_codec", "values-one-series", &values(0x08, &one, 4));
    // 1.0, 0.5, 2.0: three values per cell.
    let wide = [0x3f80_0000, 0x3f00_0000, 0x4000_0000];
    put(
        "history_codec",
        "values-three-wide",
        &values(0x19, &wide, 12),
    );
    // A version 2 header: no series, no time, width 1.
    put(
        "history_codec",
        "blob-magic-empty",
        &[&[0x80][..], &MAGIC, &[0, 0, 1]].concat(),
    );
    // A version 1 blob holding one value, 1.5.
    put(
        "history_codec",
        "blob-v1",
        &[
            0x80, 0x01, 0x05, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0xc0, 0x3f, 0x01,
        ],
    );
    // A version 2 blob as the writer stores one: three series, ten seconds, start 1,700,000,000.
    let chunk = Chunk {
        ids: vec![1, 2, 5],
        times: (0..10).map(|t| 1_700_000_000 + t).collect(),
        values: (0..30).map(|i| 40.0 + (i % 7) as f32 * 0.1).collect(),
    };
    put(
        "history_codec",
        "blob-v2-ten-seconds",
        &[&[0x82][..], &encode(&chunk, 1_700_000_000, 1)].concat(),
    );
}

fn request(method: u8, path: u8, auth: Auth, body: Body) -> Request {
    Request {
        method: Ok(method),
        path: Ok(path),
        query: None,
        auth,
        body,
        host: Some("example:4500".to_owned()),
        accept: None,
        if_none_match: None,
        peer: 0,
        secure: false,
    }
}

fn hub_seeds() {
    use Step::*;
    let login = Request(request(1, 0, Auth::None, Body::Login(true)));
    let worker = Request(request(1, 2, Auth::Fresh, Body::Empty));
    let connect = |detail| {
        Connect(
            1,
            Query::Worker {
                back: 0,
                right_subscriber: true,
                detail,
            },
        )
    };
    let get = |path| Request(request(0, path, Auth::Fresh, Body::Empty));
    let scenarios: Vec<(&str, u8, Vec<Step>)> = vec![
        ("login-ok", 0, vec![login.clone(), Verified(0, true)]),
        (
            "brute-force-429",
            0,
            vec![
                Request(request(1, 0, Auth::None, Body::Login(false))),
                Verified(0, false),
                Request(request(1, 0, Auth::None, Body::Login(false))),
                Verified(0, false),
                Request(request(1, 0, Auth::None, Body::Login(false))),
                Verified(0, false),
                Request(request(1, 0, Auth::None, Body::Login(false))),
                Verified(0, false),
                Request(request(1, 0, Auth::None, Body::Login(false))),
                Verified(0, false),
                login.clone(),
                Advance(255),
                Advance(255),
                login.clone(),
                Verified(0, true),
            ],
        ),
        (
            "stream-two-subscribers",
            1,
            vec![
                worker.clone(),
                connect(false),
                worker.clone(),
                connect(true),
                Connect(
                    2,
                    Query::Worker {
                        back: 0,
                        right_subscriber: true,
                        detail: true,
                    },
                ),
                Sample(0),
                Advance(100),
                Sample(1),
                Advance(100),
                Sample(2),
                Disconnect(1),
                Advance(100),
            ],
        ),
        (
            "snapshots-share-a-sample",
            0,
            vec![
                get(3),
                get(4),
                get(3),
                Sample(0),
                Advance(100),
                Sample(1),
                get(3),
            ],
        ),
        (
            "subscriber-mismatch",
            0,
            vec![
                worker.clone(),
                Connect(
                    3,
                    Query::Worker {
                        back: 0,
                        right_subscriber: false,
                        detail: false,
                    },
                ),
            ],
        ),
        (
            "too-many-workers",
            0,
            vec![
                worker.clone(),
                worker.clone(),
                worker.clone(),
                Advance(255),
                worker.clone(),
            ],
        ),
        (
            "capacity",
            0,
            vec![
                worker.clone(),
                connect(false),
                worker.clone(),
                Connect(
                    2,
                    Query::Worker {
                        back: 0,
                        right_subscriber: true,
                        detail: false,
                    },
                ),
            ],
        ),
        (
            "routing",
            0,
            vec![
                Request(request(2, 3, Auth::None, Body::Empty)),
                Request(request(3, 3, Auth::Fresh, Body::Empty)),
                Request(request(0, 11, Auth::None, Body::Empty)),
                Request(request(0, 5, Auth::Fresh, Body::Empty)),
                Request(request(0, 9, Auth::None, Body::Empty)),
                Request(request(1, 1, Auth::Fresh, Body::Empty)),
                Request(request(1, 1, Auth::Stale, Body::Empty)),
                Request(request(
                    1,
                    0,
                    Auth::None,
                    Body::Raw(b"{\"username\":1}".to_vec()),
                )),
            ],
        ),
        (
            "api-tokens-and-metrics",
            0x20,
            vec![
                Tokens(true, true),
                Request(request(0, 6, Auth::ApiMetrics, Body::Empty)),
                Request(request(0, 3, Auth::ApiMetrics, Body::Empty)),
                Request(request(0, 3, Auth::ApiRead, Body::Empty)),
                Sample(0),
                Advance(100),
                Sample(1),
                Tokens(false, true),
                Request(request(0, 3, Auth::ApiRead, Body::Empty)),
            ],
        ),
        (
            "history",
            0x20,
            vec![
                Request(steps::Request {
                    query: Some("series=cpu.usage&step=60".to_owned()),
                    ..request(0, 7, Auth::Fresh, Body::Empty)
                }),
                Request(request(0, 8, Auth::Fresh, Body::Empty)),
                History(0, 0),
                History(0, 2),
                Advance(100),
                Sample(0),
            ],
        ),
        (
            "shutdown-closes",
            0x0c,
            vec![
                worker.clone(),
                connect(false),
                get(3),
                login.clone(),
                login.clone(),
                login,
                Shutdown,
                get(4),
                Verified(0, true),
            ],
        ),
        (
            "key-rotation",
            0,
            vec![
                worker.clone(),
                connect(false),
                Account(true),
                get(3),
                Account(false),
                worker,
            ],
        ),
    ];
    for (name, config, steps) in scenarios {
        put("hub", name, &steps::encode(config, &steps));
    }
}

fn main() {
    let _ = fs::remove_dir_all(repo().join("fuzz/seeds"));
    procfs_seeds();
    fixture_seeds();
    http_seeds();
    hub_seeds();
    history_codec_seeds();
}
