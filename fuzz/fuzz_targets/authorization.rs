//! libFuzzer harness of the `authorization` target; the body is `psmonitor_fuzz_bodies::authorization`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::authorization(data));
