//! `psmonitor watch`: the live stream, redrawn in place on a terminal or as NDJSON lines.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use futures_lite::{FutureExt, StreamExt};
use psmonitor_client::{SystemSnapshot, WatchEvent, WatchOptions};

use crate::cli::WatchArgs;
use crate::connect::{self, Failure, Target};
use crate::render;

/// Longest wait between reconnection attempts of the live view.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Hide the cursor (the last view stays on screen after exit).
const ENTER: &str = "\x1b[?25l";
/// Show the cursor again.
const LEAVE: &str = "\x1b[?25h";
/// Cursor home, then clear the screen.
const REDRAW: &str = "\x1b[H\x1b[2J";

/// What ended the loop.
enum Next {
    Event(Option<WatchEvent>),
    Interrupted,
}

/// Streams until `--count` frames, Ctrl-C, or a fatal error.
pub fn run(args: WatchArgs) -> anyhow::Result<()> {
    let target = connect::target(&args.connect)?;
    let ndjson = args.json || !std::io::stdout().is_terminal();
    let options = WatchOptions {
        network_every: None,
        max_backoff: MAX_BACKOFF,
        history: None,
        ..WatchOptions::default()
    };
    let watch = psmonitor_client::watch(target.config.clone(), options);
    let mut view = View {
        ndjson,
        entered: false,
        system: None,
        status: String::new(),
    };
    let result = async_io::block_on(stream(&watch.events, &target, &mut view, args.count));
    view.leave();
    watch.stop();
    result.map_err(anyhow::Error::from)
}

async fn stream(
    events: &async_channel::Receiver<WatchEvent>,
    target: &Target,
    view: &mut View,
    count: Option<u64>,
) -> Result<(), Failure> {
    let mut signals =
        async_signal::Signals::new([async_signal::Signal::Int, async_signal::Signal::Term]).ok();
    let mut frames = 0u64;
    let mut connected = false;
    while count.is_none_or(|n| frames < n) {
        let interrupted = async {
            match signals.as_mut() {
                Some(s) => {
                    s.next().await;
                }
                None => std::future::pending::<()>().await,
            }
            Next::Interrupted
        };
        let next = async { Next::Event(events.recv().await.ok()) }
            .or(interrupted)
            .await;
        let event = match next {
            Next::Interrupted | Next::Event(None) => return Ok(()),
            Next::Event(Some(event)) => event,
        };
        match event {
            WatchEvent::Connected => {
                if !connected {
                    target.remember();
                }
                connected = true;
                view.status.clear();
            }
            WatchEvent::System(system) => view.system = Some(system),
            WatchEvent::Frame(frame) => {
                frames += 1;
                let text = match view.ndjson {
                    true => serde_json::to_string(&frame).unwrap_or_default(),
                    false => render::frame(&frame),
                };
                if view.show(&text).is_err() {
                    // Nobody reads stdout any more (e.g. piped into `head`).
                    return Ok(());
                }
            }
            WatchEvent::Network(_) | WatchEvent::History(_) | WatchEvent::Detail(_) => {}
            WatchEvent::Disconnected { error, retry_in } => {
                if !connected {
                    return Err(target.failure(error));
                }
                view.status = format!(
                    "connection lost ({error}); retrying in {:.1}s",
                    retry_in.as_secs_f64()
                );
                if view.ndjson {
                    eprintln!("psmonitor: {}", crate::safe::text(&view.status));
                }
            }
            WatchEvent::Stopped(error) => return Err(target.failure(error)),
        }
    }
    Ok(())
}

/// The terminal or the NDJSON stream.
struct View {
    ndjson: bool,
    entered: bool,
    system: Option<Box<SystemSnapshot>>,
    status: String,
}

impl View {
    fn show(&mut self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        let text = crate::safe::text(text);
        if self.ndjson {
            writeln!(out, "{text}")?;
            return out.flush();
        }
        if !self.entered {
            out.write_all(ENTER.as_bytes())?;
            self.entered = true;
        }
        let mut screen = String::from(REDRAW);
        if let Some(s) = &self.system {
            let name = match s.platform.hostname.as_str() {
                "" => s.platform.distro.as_str(),
                host => host,
            };
            screen.push_str(&format!(
                "PSMonitor — {} ({})\n",
                crate::safe::cell(name),
                crate::safe::cell(&s.platform.distro)
            ));
        }
        if !self.status.is_empty() {
            screen.push_str(&format!("{}\n", crate::safe::text(&self.status)));
        }
        screen.push_str("Ctrl-C to quit\n\n");
        screen.push_str(&text);
        out.write_all(screen.as_bytes())?;
        out.flush()
    }

    fn leave(&mut self) {
        if self.entered {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(LEAVE.as_bytes());
            let _ = out.flush();
            self.entered = false;
        }
    }
}
