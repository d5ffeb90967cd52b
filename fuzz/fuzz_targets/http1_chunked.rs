//! libFuzzer harness of the `http1_chunked` target; the body is `psmonitor_fuzz_bodies::http1_chunked`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::http1_chunked(data));
