//! libFuzzer harness of the `procfs` target; the body is `psmonitor_fuzz_bodies::procfs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::procfs(data));
