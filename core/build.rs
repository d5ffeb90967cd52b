//! Builds the table of the web dashboard's files (`web/`): URL path, content type, body and
//! ETag. The ETags are hashed here, once, so the server never reads the bodies until a browser
//! asks for them (hashing them at start mapped all of them into memory).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use blake2::{Blake2b256, Digest};

fn main() {
    let web = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("web");
    println!("cargo::rerun-if-changed=web");
    let mut files = Vec::new();
    collect(&web, &mut files);
    files.sort();
    let mut out = String::from(
        "/// URL path, content type, body, quoted ETag: every file the dashboard needs.\n",
    );
    out.push_str("const FILES: &[(&str, &str, &str, &str)] = &[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&web)
            .expect("under web/")
            .to_str()
            .expect("file names under web/ are UTF-8");
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let url = if relative == "index.html" {
            "/".to_owned()
        } else {
            format!("/{relative}")
        };
        writeln!(
            out,
            "    ({url:?}, {:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/web/\", {relative:?})), {:?}),",
            content_type(relative),
            etag(&bytes),
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("web_files.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// Every regular file under `dir`, recursively.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The `Content-Type` the dashboard's files are served with; any other kind fails the build.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => panic!("web/{name}: no content type for this kind of file (add one in core/build.rs)"),
    }
}

/// A strong ETag: the first 128 bits of the BLAKE2b-256 of the bytes, in hex, quoted.
fn etag(bytes: &[u8]) -> String {
    let digest = Blake2b256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}
