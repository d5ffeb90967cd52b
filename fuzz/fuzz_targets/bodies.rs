//! libFuzzer harness of the `bodies` target; the body is `psmonitor_fuzz_bodies::bodies`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::bodies(data));
