//! Query strings: the one splitter of `key=value&...` that every route uses (`/connect`'s worker
//! id and subscriber, `/history`'s parameters).

/// The pairs of a raw query string (without `?`), in order and not percent-decoded: empty pairs
/// (`a=1&&b=2`) are skipped, and a pair without `=` has no value.
pub fn pairs(query: Option<&str>) -> impl Iterator<Item = (&str, Option<&str>)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (pair, None),
        })
}

/// The value of the first `key=value` pair named `key`, not percent-decoded (ids and user ids
/// are URL-safe as issued); a bare `key` without `=` is no value.
pub fn value<'q>(query: Option<&'q str>, key: &str) -> Option<&'q str> {
    pairs(query).find_map(|(k, v)| if k == key { v } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_values() {
        let all: Vec<_> = pairs(Some("a=1&&b&c=&a=2")).collect();
        assert_eq!(
            all,
            [
                ("a", Some("1")),
                ("b", None),
                ("c", Some("")),
                ("a", Some("2"))
            ]
        );
        assert_eq!(pairs(None).count(), 0);
        assert_eq!(pairs(Some("")).count(), 0);
        let q = Some("id=abc&subscriber=u-1&id=other");
        assert_eq!(value(q, "id"), Some("abc"));
        assert_eq!(value(q, "subscriber"), Some("u-1"));
        assert_eq!(value(q, "missing"), None);
        assert_eq!(value(None, "id"), None);
        assert_eq!(value(Some("id"), "id"), None);
        assert_eq!(value(Some("id&id=x"), "id"), Some("x"));
        assert_eq!(value(Some("id=&x=1"), "id"), Some(""));
        assert_eq!(value(Some("a=b=c"), "a"), Some("b=c"));
    }
}
