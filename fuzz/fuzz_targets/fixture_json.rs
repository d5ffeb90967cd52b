//! libFuzzer harness of the `fixture_json` target; the body is `psmonitor_fuzz_bodies::fixture_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::fixture_json(data));
