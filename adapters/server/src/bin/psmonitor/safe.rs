//! Text from a server made safe for a terminal (issue 20 item 8): control characters in process
//! names, user names, host names or error messages are shown escaped, never sent raw, so they
//! cannot retitle, recolour or rewrite the terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would be acted on by a terminal: C0 controls, DEL and the C1 controls (U+0080 to
/// U+009F, of which U+009B starts a sequence like ESC [ does).
fn control(c: char) -> bool {
    c.is_control()
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| control(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if control(c) && !keep(c) {
            let _ = write!(out, "\\x{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One table cell or one-line field: every control character escaped, line ends included.
pub fn cell(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Text for the terminal as a whole: every control character escaped except line ends and tabs.
pub fn text(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        let name = "evil\x1b]0;owned\x07\x1b[31mred\u{9b}2J";
        assert_eq!(
            cell(name),
            "evil\\x{1b}]0;owned\\x{7}\\x{1b}[31mred\\x{9b}2J"
        );
        assert_eq!(text("a\nb\tc\x1b"), "a\nb\tc\\x{1b}");
        assert_eq!(cell("a\nb"), "a\\x{a}b");
        assert!(matches!(cell("plain ü name"), Cow::Borrowed(_)));
    }
}
