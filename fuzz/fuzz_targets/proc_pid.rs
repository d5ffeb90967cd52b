//! libFuzzer harness of the `proc_pid` target; the body is `psmonitor_fuzz_bodies::proc_pid`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psmonitor_fuzz_bodies::proc_pid(data));
