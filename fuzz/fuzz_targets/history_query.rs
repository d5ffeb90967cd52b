//! libFuzzer harness of the `history_query` target; the body is `psmonitor_fuzz_bodies::history_query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::history_query(data));
