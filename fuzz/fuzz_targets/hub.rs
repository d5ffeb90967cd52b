//! libFuzzer harness of the `hub` target; the body is `psmonitor_fuzz_bodies::hub`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::hub(data));
