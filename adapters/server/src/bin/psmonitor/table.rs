//! Aligned text tables: columns as wide as their widest cell, counted in characters.
//!
//! A dozen lines instead of a table crate: no borders, no wrapping and no colours are wanted,
//! only columns that line up whatever the cells hold.

/// How a column's cells sit in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text: flush left.
    Left,
    /// Numbers: flush right.
    Right,
}

/// A table with a header row.
#[derive(Debug)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|(name, align)| ((*name).to_owned(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; its cells are made safe for a terminal (see [`crate::safe::cell`]).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .iter()
                .map(|c| crate::safe::cell(c).into_owned())
                .collect(),
        );
    }

    /// The table as lines, columns two spaces apart, no trailing spaces.
    pub fn render(&self) -> String {
        let width = |i: usize| {
            let header = self.columns[i].0.chars().count();
            self.rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .fold(header, usize::max)
        };
        let widths: Vec<usize> = (0..self.columns.len()).map(width).collect();
        let headers: Vec<String> = self.columns.iter().map(|(name, _)| name.clone()).collect();
        let mut out = String::new();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, (_, align)) in self.columns.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = widths[i].saturating_sub(cell.chars().count());
                if i > 0 {
                    line.push_str("  ");
                }
                match align {
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_cell_lengths() {
        let mut t = Table::new(&[
            ("NAME", Align::Left),
            ("SCOPE", Align::Left),
            ("N", Align::Right),
        ]);
        t.row(vec![
            "a-very-long-token-name-well-over-24-characters".into(),
            "read".into(),
            "7".into(),
        ]);
        t.row(vec!["é".into(), "metrics".into(), "1234".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        // Every row's second column starts where the header's does (counted in characters).
        let at = |line: &str, word: &str| line[..line.find(word).unwrap()].chars().count();
        assert_eq!(at(lines[0], "SCOPE"), at(lines[1], "read"), "{text}");
        assert_eq!(at(lines[0], "SCOPE"), at(lines[2], "metrics"), "{text}");
        // Numbers flush right: the rows end at the same column.
        assert_eq!(lines[1].chars().count(), lines[2].chars().count(), "{text}");
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{text}");
    }
}
