//! GTK scenarios under a real display (Xvfb in CI): the real window, the real embedded server on a
//! fixture host, a second in-process server for remote windows.
//!
//! GTK must be initialised once and used from one thread, so this is a `harness = false` target:
//! one `main` runs the scenarios in sequence and reports each like libtest does.

mod harness;
mod scenarios;

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(e) = psmonitor_gtk::gtk::init() {
        eprintln!(
            "cannot open a display ({e}): run under `xvfb-run -a cargo test -p psmonitor-gtk`"
        );
        return ExitCode::FAILURE;
    }
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let world = harness::World::start();
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, scenario) in scenarios::ALL {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        ran += 1;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&world)));
        match outcome {
            Ok(Ok(())) => println!("test {name} ... ok"),
            Ok(Err(e)) => {
                println!("test {name} ... FAILED\n    {e}");
                failed.push(*name);
            }
            Err(_) => {
                println!("test {name} ... FAILED (panicked)");
                failed.push(*name);
            }
        }
    }
    world.shutdown();
    println!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
