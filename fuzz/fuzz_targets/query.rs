//! libFuzzer harness of the `query` target; the body is `psmonitor_fuzz_bodies::query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::query(data));
