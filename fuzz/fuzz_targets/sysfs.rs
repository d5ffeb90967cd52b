//! libFuzzer harness of the `sysfs` target; the body is `psmonitor_fuzz_bodies::sysfs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::sysfs(data));
