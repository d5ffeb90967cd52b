//! Progress during a long run: live counters the probes and the reconnecting subscribers bump,
//! and a CSV row every so often with the server's memory, open descriptors and CPU (from
//! `/proc/PID/status`, `/proc/PID/fd`, `/proc/PID/stat`) beside the frames, logins and requests
//! so far. One row a line, flushed as written, so a run cut short still leaves its rows. The
//! memory and descriptor columns are the fewest over two seconds of reads (see [`settled`]).

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::LoadError;
use crate::procfs::{ProcSample, load_average};
use crate::ticks::{Gap, TickBook, frame_stats_with_gaps};

/// The CSV header; every row has these columns in this order.
pub const CSV_HEADER: &str = "elapsed_s,rss_kib,fds,cpu_percent,threads,frames_expected,\
frames_delivered,frames_missed,reconnect_gap_frames,reconnects,reconnect_failures,\
subscribers_dropped,logins_ok,login_errors,http_ok,http_errors,load_avg_1m";

/// Counters bumped as things happen, read by the progress rows.
#[derive(Debug, Default)]
pub struct Live {
    /// `GET /system` answered 200.
    pub http_ok: Cell<u64>,
    /// `GET /system` failed.
    pub http_errors: Cell<u64>,
    /// Logins that succeeded.
    pub logins_ok: Cell<u64>,
    /// Logins that failed.
    pub login_errors: Cell<u64>,
    /// Subscribers closed and opened again.
    pub reconnects: Cell<u64>,
    /// Subscribers closed that could not be opened again.
    pub reconnect_failures: Cell<u64>,
}

impl Live {
    /// Adds one to `counter`.
    pub fn bump(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }
}

/// The number of open descriptors of process `pid` (entries of `/proc/PID/fd`), not counting
/// those open on files under `/proc`: the server's collector holds each process's `stat` open
/// between samples, so those follow the host's process count, not anything the server leaks.
pub fn open_fds(pid: u32) -> Result<u64, LoadError> {
    let path = format!("/proc/{pid}/fd");
    let dir = std::fs::read_dir(&path).map_err(|e| LoadError::Proc(format!("{path}: {e}")))?;
    let held_proc_file = |entry: &std::fs::DirEntry| {
        std::fs::read_link(entry.path()).is_ok_and(|target| target.starts_with("/proc/"))
    };
    Ok(dir.flatten().filter(|e| !held_proc_file(e)).count() as u64)
}

/// What the rows read: the subscribers' ticks and gaps, the counters, the server's pid.
pub(crate) struct Sources {
    /// Every tick seen.
    pub book: Rc<RefCell<TickBook>>,
    /// Tick ids received, per subscriber.
    pub received: Rc<RefCell<Vec<Vec<u32>>>>,
    /// When each subscriber was knowingly away.
    pub gaps: Rc<RefCell<Vec<Vec<Gap>>>>,
    /// Subscribers whose stream ended by itself.
    pub dropped: Rc<Cell<u64>>,
    /// The counters.
    pub live: Rc<Live>,
    /// The server, when known.
    pub server_pid: Option<u32>,
    /// The stream interval: frames of the last interval (plus a margin) may still be in flight.
    pub interval: Duration,
}

/// Writes a header and then a row at `from`, every `every` after it, and at `until`.
pub(crate) async fn write_rows(
    path: &Path,
    every: Duration,
    from: Instant,
    until: Instant,
    src: Sources,
) -> Result<(), LoadError> {
    let mut file = File::create(path)?;
    writeln!(file, "{CSV_HEADER}")?;
    let mut previous: Option<ProcSample> = None;
    let mut k = 0u32;
    loop {
        let at = (from + every * k).min(until);
        smol::Timer::at(at).await;
        let row = row(&src, from, every, &mut previous).await?;
        writeln!(file, "{row}")?;
        file.flush()?;
        if at >= until {
            return Ok(());
        }
        k += 1;
    }
}

/// Reads of the server per row: its memory and descriptors are the fewest over these.
const READS: u32 = 20;
/// The reads of one row span this long at most (and half the time between rows at most).
const READ_SPAN: Duration = Duration::from_secs(2);

/// The server's usage at one row: the CPU reading at its start, and the fewest resident KiB and
/// open descriptors over [`READS`] reads spread over [`READ_SPAN`]. A login holds argon2's
/// 19 MiB and a connection while it is verified (a tenth of a second or more, once a second), so
/// one read can land on it; what persists is what the goals are about.
async fn settled(pid: u32, every: Duration) -> Result<(ProcSample, u64, u64), LoadError> {
    let spacing = READ_SPAN.min(every / 2) / READS;
    let first = ProcSample::read(pid)?;
    let (mut rss, mut fds) = (first.rss_kib, open_fds(pid)?);
    for _ in 1..READS {
        smol::Timer::after(spacing).await;
        rss = rss.min(ProcSample::read(pid)?.rss_kib);
        fds = fds.min(open_fds(pid)?);
    }
    Ok((first, rss, fds))
}

/// One row, now; `previous` is the server reading of the row before (for the CPU share).
async fn row(
    src: &Sources,
    from: Instant,
    every: Duration,
    previous: &mut Option<ProcSample>,
) -> Result<String, LoadError> {
    let now = Instant::now();
    let (rss, fds, cpu, threads) = match src.server_pid {
        Some(pid) => {
            let (s, rss, fds) = settled(pid, every).await?;
            let cpu = previous.map(|p| {
                let wall = s.at.saturating_duration_since(p.at).as_secs_f64();
                let used = s.cpu.saturating_sub(p.cpu).as_secs_f64();
                if wall > 0.0 { used / wall * 100.0 } else { 0.0 }
            });
            *previous = Some(s);
            (
                rss.to_string(),
                fds.to_string(),
                cpu.map_or(String::new(), |c| format!("{c:.2}")),
                s.threads.to_string(),
            )
        }
        None => Default::default(),
    };
    // Ticks first seen in the last interval and a half may not have reached everyone yet.
    let settled = now
        .checked_sub(src.interval + src.interval / 2)
        .unwrap_or(from)
        .max(from);
    let (stats, gap) = frame_stats_with_gaps(
        &src.book.borrow(),
        &src.received.borrow(),
        &src.gaps.borrow(),
        from,
        settled,
    );
    let expected = stats.ticks * src.received.borrow().len() as u64 - gap;
    let delivered = expected - stats.missed;
    let l = &src.live;
    Ok(format!(
        "{:.0},{rss},{fds},{cpu},{threads},{expected},{delivered},{},{gap},{},{},{},{},{},{},{},{}",
        now.saturating_duration_since(from).as_secs_f64(),
        stats.missed,
        l.reconnects.get(),
        l.reconnect_failures.get(),
        src.dropped.get(),
        l.logins_ok.get(),
        l.login_errors.get(),
        l.http_ok.get(),
        l.http_errors.get(),
        load_average().map_or(String::new(), |a| format!("{a:.2}")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_every_column_and_counts_this_process() {
        let from = Instant::now();
        let live = Rc::new(Live::default());
        Live::bump(&live.http_ok);
        Live::bump(&live.http_ok);
        Live::bump(&live.reconnects);
        let src = Sources {
            book: Rc::new(RefCell::new(TickBook::new(Duration::from_secs(1)))),
            received: Rc::new(RefCell::new(vec![Vec::new(), Vec::new()])),
            gaps: Rc::new(RefCell::new(Vec::new())),
            dropped: Rc::new(Cell::new(0)),
            live,
            server_pid: Some(std::process::id()),
            interval: Duration::from_secs(1),
        };
        let mut previous = None;
        let first =
            smol::block_on(row(&src, from, Duration::from_millis(100), &mut previous)).unwrap();
        let second =
            smol::block_on(row(&src, from, Duration::from_millis(100), &mut previous)).unwrap();
        let columns = CSV_HEADER.split(',').count();
        for r in [&first, &second] {
            assert_eq!(r.split(',').count(), columns, "{r}");
        }
        let cells: Vec<&str> = first.split(',').collect();
        assert!(cells[1].parse::<u64>().unwrap() > 0, "rss: {first}");
        assert!(cells[2].parse::<u64>().unwrap() >= 3, "fds: {first}");
        // The first row has no CPU share yet; the second has one.
        assert_eq!(cells[3], "");
        assert!(second.split(',').nth(3).unwrap().parse::<f64>().is_ok());
        assert_eq!(cells[9], "1", "reconnects: {first}");
        assert_eq!(cells[14], "2", "http_ok: {first}");
    }

    /// Descriptors of a child shell that closed descriptor 8 (in case it was inherited), opened
    /// `open` (a shell redirection) and then waits.
    fn fds_of_a_child_holding(open: &str) -> u64 {
        use std::io::BufRead;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 8<&-; {open} echo ready; exec sleep 30"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let fds = open_fds(child.id()).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        fds
    }

    /// A file under `/proc` held open is not counted; any other file is.
    #[test]
    fn held_proc_files_are_not_counted() {
        let none = fds_of_a_child_holding("");
        assert_eq!(fds_of_a_child_holding("exec 8</proc/self/stat;"), none);
        assert_eq!(fds_of_a_child_holding("exec 8</etc/hostname;"), none + 1);
    }

    #[test]
    fn a_missing_process_is_an_error() {
        assert!(matches!(open_fds(u32::MAX), Err(LoadError::Proc(_))));
    }
}
