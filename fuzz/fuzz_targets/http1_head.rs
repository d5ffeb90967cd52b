//! libFuzzer harness of the `http1_head` target; the body is `psmonitor_fuzz_bodies::http1_head`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::http1_head(data));
