//! `GET /history` and `GET /history/series` (DESIGN 5.4), so a viewer can fill its graphs on
//! connect.

use psmonitor_core::history::{HistoryData, SeriesList};

use crate::{Client, ClientError};

/// Percent-encodes a query value: everything but unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `/history` path and query for these series and bounds (unix seconds).
#[must_use]
pub fn history_path(
    series: &[String],
    since: Option<i64>,
    until: Option<i64>,
    step: Option<u32>,
) -> String {
    let names: Vec<String> = series.iter().map(|s| encode(s)).collect();
    let mut path = format!("/history?series={}", names.join(","));
    for (key, value) in [
        ("since", since.map(|v| v.to_string())),
        ("until", until.map(|v| v.to_string())),
        ("step", step.map(|v| v.to_string())),
    ] {
        if let Some(value) = value {
            path.push_str(&format!("&{key}={value}"));
        }
    }
    path
}

impl Client {
    /// Fetches the points of `series` between `since` and `until` (unix seconds; the server's
    /// defaults, the last hour, when `None`).
    pub async fn history(
        &mut self,
        series: &[String],
        since: Option<i64>,
        until: Option<i64>,
        step: Option<u32>,
    ) -> Result<HistoryData, ClientError> {
        let path = history_path(series, since, until, step);
        let body = self.get_raw(&path).await?;
        serde_json::from_str(&body).map_err(|e| ClientError::invalid_body("body from /history", e))
    }

    /// The series the server has history of.
    pub async fn history_series(&mut self) -> Result<Vec<String>, ClientError> {
        let body = self.get_raw("/history/series").await?;
        let list: SeriesList = serde_json::from_str(&body)
            .map_err(|e| ClientError::invalid_body("body from /history/series", e))?;
        Ok(list.series)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_names_are_percent_encoded() {
        let path = history_path(
            &["disk.percent@/home".into(), "cpu.usage".into()],
            Some(10),
            None,
            Some(5),
        );
        assert_eq!(
            path,
            "/history?series=disk.percent%40%2Fhome,cpu.usage&since=10&step=5"
        );
    }
}
