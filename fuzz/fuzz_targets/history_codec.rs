//! libFuzzer harness of the `history_codec` target; the body is `psmonitor_fuzz_bodies::history_codec`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::history_codec(data));
