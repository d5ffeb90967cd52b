//! `/proc/sys/fs/file-nr`: file handles (node_exporter's `filefd` collector).

use psmonitor_core::model::FileFd;

/// Parses `allocated  unused  maximum`; `None` unless there are exactly three numbers.
pub fn parse_file_nr(text: &str) -> Option<FileFd> {
    let values: Vec<u64> = text
        .split_ascii_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [allocated, _, maximum] = values[..] else {
        return None;
    };
    Some(FileFd { allocated, maximum })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_allocated_and_maximum() {
        assert_eq!(
            parse_file_nr("861\t0\t2466239\n"),
            Some(FileFd {
                allocated: 861,
                maximum: 2_466_239
            })
        );
    }

    #[test]
    fn other_column_counts_or_text_give_nothing() {
        assert_eq!(parse_file_nr(""), None);
        assert_eq!(parse_file_nr("861 0"), None);
        assert_eq!(parse_file_nr("861 0 5 6"), None);
        assert_eq!(parse_file_nr("861 x 5"), None);
    }
}
