//! Numbers and values written for people: an interviewer reads `6.4e-35`, not thirty-five zeros, and a
//! label is shown as its type (`1` for a number, `'benign'` for text).

use serde_json::Value;

/// A number with about four significant digits, in scientific notation only when it is very small or
/// very large.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() { "NaN".into() } else if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let a = v.abs();
    if (1e-4..1e6).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let text = format!("{v:.decimals$}");
        let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
        return text;
    }
    let text = format!("{v:.2e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => text,
    }
}

/// A value the candidate's code returned, as it would look in Python: numbers bare, text quoted.
pub fn value(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map(number).unwrap_or_else(|| n.to_string()),
        Value::String(s) if matches!(s.as_str(), "nan" | "inf" | "-inf") => number(s.parse().unwrap_or(f64::NAN)),
        Value::String(s) => format!("'{}'", excerpt(s, 40)),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True".into() } else { "False".into() },
        Value::Array(items) => format!("a list of {}", items.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// A label of the hidden data in its type: numeric labels bare, text labels quoted.
pub fn label(canonical: &str, numeric: bool) -> String {
    if numeric {
        canonical.to_owned()
    } else {
        format!("'{canonical}'")
    }
}

/// The first `max` characters, with an ellipsis when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// "row 3 is 0.83, row 7 is 'x' and 76 more": the first few offenders and a count of the rest.
pub fn offenders(items: &[(usize, String)]) -> String {
    const SHOWN: usize = 3;
    let mut text = items.iter().take(SHOWN).map(|(row, what)| format!("row {row} {what}")).collect::<Vec<_>>().join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(number(6.366e-35), "6.37e-35");
        assert_eq!(number(0.8333333), "0.8333");
        assert_eq!(number(13.7154), "13.72");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(12345678.9), "1.23e7");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn values_keep_their_type() {
        assert_eq!(value(&serde_json::json!(1)), "1");
        assert_eq!(value(&serde_json::json!("1")), "'1'");
        assert_eq!(value(&serde_json::json!("nan")), "NaN");
        assert_eq!(label("1", true), "1");
        assert_eq!(label("benign", false), "'benign'");
    }

    #[test]
    fn offenders_name_a_few_and_count_the_rest() {
        let items: Vec<(usize, String)> = (0..79).map(|i| (i, "is NaN".to_owned())).collect();
        assert_eq!(offenders(&items), "row 0 is NaN, row 1 is NaN, row 2 is NaN and 76 more");
    }
}
