//! `psmonitor history SERIES... [--since 1h] [--json]`: a sparkline per series on a terminal,
//! the raw `/history` JSON when piped or with `--json`.

use std::io::IsTerminal;
use std::time::{SystemTime, UNIX_EPOCH};

use psmonitor_client::{Client, history_path};
use psmonitor_core::history::HistoryData;

use crate::cli::HistoryArgs;
use crate::connect;

/// The bars of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// The widest sparkline drawn.
const WIDTH: usize = 60;

/// One sparkline of `values` at most [`WIDTH`] wide (averaging neighbours), `' '` for gaps.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let per = values.len().div_ceil(WIDTH).max(1);
    let cells: Vec<Option<f64>> = values
        .chunks(per)
        .map(|c| {
            let known: Vec<f64> = c.iter().flatten().copied().collect();
            (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
        })
        .collect();
    let known = cells.iter().flatten();
    let lo = known.clone().copied().fold(f64::INFINITY, f64::min);
    let hi = known.copied().fold(f64::NEG_INFINITY, f64::max);
    cells
        .iter()
        .map(|c| match c {
            None => ' ',
            Some(v) if hi > lo => BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize],
            Some(_) => BARS[0],
        })
        .collect()
}

fn render(data: &HistoryData) -> String {
    let width = data.series.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (name, values) in &data.series {
        let known: Vec<f64> = values.iter().flatten().copied().collect();
        let summary = match (known.first(), known.last()) {
            (Some(_), Some(last)) => {
                let min = known.iter().copied().fold(f64::INFINITY, f64::min);
                let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("min {min} max {max} last {last}")
            }
            _ => "no samples".to_owned(),
        };
        out.push_str(&format!("{name:<width$} {} {summary}\n", sparkline(values)));
    }
    out.push_str(&format!(
        "({} points, one every {} s)\n",
        data.times.len(),
        data.step
    ));
    out
}

/// Fetches and prints the history.
pub fn run(args: HistoryArgs) -> anyhow::Result<()> {
    if args.series.is_empty() && !args.list {
        anyhow::bail!(
            "name at least one series, e.g. `psmonitor history cpu.usage`, or use --list"
        );
    }
    let target = connect::target(&args.connect)?;
    let mut client = Client::new(target.config.clone()).map_err(|e| target.failure(e))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let since = now - args.since.as_secs() as i64;
    let json = args.json || !std::io::stdout().is_terminal();
    let text = async_io::block_on(async {
        if args.list {
            return Ok(client.history_series().await?.join("\n"));
        }
        if json {
            return client
                .get_raw(&history_path(
                    &args.series,
                    Some(since),
                    Some(now),
                    args.step,
                ))
                .await;
        }
        let data = client
            .history(&args.series, Some(since), Some(now), args.step)
            .await?;
        Ok(render(&data))
    })
    .map_err(|e| target.failure(e))?;
    connect::print_text(&text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_range_and_show_gaps() {
        let v = [Some(0.0), Some(7.0), None, Some(3.5)];
        assert_eq!(sparkline(&v), "▁█ ▅");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▁▁");
        let long: Vec<Option<f64>> = (0..600).map(|i| Some(f64::from(i))).collect();
        assert_eq!(sparkline(&long).chars().count(), WIDTH);
    }
}
