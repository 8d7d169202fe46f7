//! Evidence that a submission carries data instead of computing it.
//!
//! A solution that scores well because it contains the answers (a pasted
//! copy of the evaluation CSV, a list of predictions, a model serialised to
//! base64) looks like code at a glance. Honest from-scratch ML code holds a
//! handful of literals (`0.1`, `1e-9`, a dict of hyper-parameters); data
//! holds hundreds or thousands. [`scan`] measures that from the tokens:
//!
//! * the longest literal sequence of numbers (list, tuple, set or dict
//!   literal, nested or not: `[[1, 2], [3, 4]]` counts 4);
//! * strings and comment blocks that are mostly numbers separated by commas
//!   or whitespace (a pasted CSV);
//! * the longest string that looks like an encoded blob: base64, base85,
//!   hex, or bytes written as `\x..` escapes, flagged when its first bytes
//!   are a zlib/gzip/bzip2/xz header;
//! * numeric literals with many significant digits scattered through the
//!   file (learned weights pasted one assignment at a time).
//!
//! [`Embedded::value`] folds these into one number to threshold and
//! [`Embedded::describe`] into one sentence for the interviewer.

use super::fingerprint::{Token, TokenKind, tokenize};

/// Suggested threshold for [`Embedded::value`]: honest solutions stay well
/// below it (their largest literal sequence is a few hyper-parameters).
pub const SUSPICIOUS_VALUE: f64 = 50.0;

/// Shortest string (after removing line breaks) considered as a blob.
const MIN_BLOB_CHARS: usize = 32;

/// Literals with at least this many significant digits count as "precise".
const PRECISE_DIGITS: usize = 5;

/// Where a run of numbers was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableForm {
    /// A list/tuple/set/dict literal in code.
    Literal,
    /// A string literal that is mostly numbers (e.g. a pasted CSV).
    Text,
    /// A block of consecutive comment lines that is mostly numbers.
    Comment,
}

/// The largest run of numbers found in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    /// How many numbers it holds.
    pub count: usize,
    /// 1-based line where it starts.
    pub line: usize,
    pub form: TableForm,
}

/// How a blob is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Base85,
    Hex,
    /// A string written mostly as `\xNN` escapes (raw bytes in the source).
    EscapedBytes,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base85 => "base85",
            Encoding::Hex => "hex",
            Encoding::EscapedBytes => "escaped-bytes",
        }
    }
}

/// The longest string that looks like encoded binary data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blob {
    /// 1-based line where the string starts.
    pub line: usize,
    /// Length of the encoded text (line breaks removed).
    pub chars: usize,
    /// Estimated decoded size in bytes.
    pub bytes: usize,
    pub encoding: Encoding,
    /// The decoded data starts with a zlib, gzip, bzip2 or xz header, so it
    /// expands to more than `bytes` when used.
    pub compressed: bool,
}

/// What [`scan`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Embedded {
    /// The largest run of numbers, wherever it is.
    pub table: Option<Table>,
    /// All numeric literal tokens in the code.
    pub numeric_literals: usize,
    /// Numeric literal tokens with at least 5 significant digits.
    pub precise_literals: usize,
    /// The largest blob-like string.
    pub blob: Option<Blob>,
}

/// Scans a Python source for embedded data. Pure, never panics.
#[must_use]
pub fn scan(source: &str) -> Embedded {
    let tokens = tokenize(source);
    let numbers = tokens.iter().filter(|t| t.kind == TokenKind::Number);
    let mut found = Embedded {
        numeric_literals: numbers.clone().count(),
        precise_literals: numbers
            .filter(|t| significant_digits(t.text) >= PRECISE_DIGITS)
            .count(),
        ..Embedded::default()
    };
    for table in literal_tables(&tokens) {
        found.offer_table(table);
    }
    for (line, text) in string_groups(&tokens) {
        found.offer_text(line, &text, TableForm::Text);
    }
    for (line, text) in comment_blocks(&tokens) {
        found.offer_text(line, &text, TableForm::Comment);
    }
    found
}

impl Embedded {
    /// The number of embedded values, for thresholding (see [`SUSPICIOUS_VALUE`]):
    ///
    /// `max(largest table, precise literals) + blob bytes / 8`
    ///
    /// A table counts its numbers; scattered precise literals count as a
    /// table would (the max avoids counting a table's own literals twice);
    /// a blob counts one value per 8 decoded bytes, the size of an `f64`,
    /// so a serialised array of `n` floats scores about `n`. Compressed
    /// blobs are counted at their compressed size, so this is a lower bound.
    pub fn value(&self) -> f64 {
        let table = self.table.map_or(0, |t| t.count);
        let blob = self.blob.map_or(0.0, |b| b.bytes as f64 / 8.0);
        table.max(self.precise_literals) as f64 + blob
    }

    /// One plain sentence for an interviewer.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.table.filter(|t| t.count as f64 >= SUSPICIOUS_VALUE) {
            parts.push(describe_table(&t));
        }
        if let Some(b) = self.blob {
            parts.push(describe_blob(&b));
        }
        let table = self.table.map_or(0, |t| t.count);
        if self.precise_literals > table && self.precise_literals as f64 >= SUSPICIOUS_VALUE {
            parts.push(format!(
                "{} numeric literals with {PRECISE_DIGITS} or more significant digits are scattered through the file — likely pasted weights or results",
                group(self.precise_literals)
            ));
        }
        if parts.is_empty() {
            return format!(
                "No embedded data: the largest run of numbers is {} and the file has {} numeric literals in all.",
                group(table),
                group(self.numeric_literals)
            );
        }
        let sentence = parts.join("; also, ");
        let mut chars = sentence.chars();
        let first = chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_default();
        format!("{first}{}.", chars.as_str())
    }

    fn offer_table(&mut self, table: Table) {
        if table.count > self.table.map_or(0, |t| t.count) {
            self.table = Some(table);
        }
    }

    fn offer_blob(&mut self, blob: Blob) {
        if blob.bytes > self.blob.map_or(0, |b| b.bytes) {
            self.blob = Some(blob);
        }
    }

    /// Checks a string's or comment block's text for numbers and blobs.
    fn offer_text(&mut self, line: usize, text: &str, form: TableForm) {
        let count = numbers_in_text(text);
        if count > 0 {
            self.offer_table(Table { count, line, form });
        }
        if let Some(blob) = classify_blob(text, line) {
            self.offer_blob(blob);
        }
    }
}

fn describe_table(t: &Table) -> String {
    let n = group(t.count);
    match t.form {
        TableForm::Literal => {
            format!(
                "line {} holds a literal sequence of {n} numbers — a pasted data table",
                t.line
            )
        }
        TableForm::Text => {
            format!(
                "line {} holds a string of {n} numbers — a pasted data table (e.g. a CSV)",
                t.line
            )
        }
        TableForm::Comment => format!(
            "the comment block at line {} holds {n} numbers — data the program can read back from its own file",
            t.line
        ),
    }
}

fn describe_blob(b: &Blob) -> String {
    let compressed = if b.compressed { ", compressed" } else { "" };
    format!(
        "line {} holds a {}-character {} string (about {} bytes{compressed}) — an encoded blob",
        b.line,
        group(b.chars),
        b.encoding.name(),
        group(b.bytes)
    )
}

/// `17070` → `"17,070"`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// Significant digits of a numeric literal's mantissa: `0.000123` → 3,
/// `1e-9` → 1, `100000` → 1, `3.14159` → 6. Hex/octal/binary count 0.
fn significant_digits(literal: &str) -> usize {
    let lower = literal.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        return 0;
    }
    let mantissa = lower.split('e').next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

/// Tokens that may appear inside a literal table without ending it.
fn continues_table(token: &Token<'_>) -> bool {
    match token.kind {
        TokenKind::Number | TokenKind::Comment => true,
        TokenKind::Op => matches!(
            token.text,
            "," | "-" | "+" | "[" | "]" | "(" | ")" | "{" | "}" | ":"
        ),
        _ => false,
    }
}

/// Maximal runs of number-and-punctuation tokens, counting the numbers.
fn literal_tables(tokens: &[Token<'_>]) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut current: Option<Table> = None;
    for token in tokens {
        if !continues_table(token) {
            tables.extend(current.take());
            continue;
        }
        let table = current.get_or_insert(Table {
            count: 0,
            line: token.line,
            form: TableForm::Literal,
        });
        if token.kind == TokenKind::Number {
            table.count += 1;
        }
    }
    tables.extend(current);
    tables.retain(|t| t.count > 0);
    tables
}

/// Numbers in free text when it is mostly numbers (at least half of its
/// comma/semicolon/whitespace-separated fields), else 0. A header row of
/// column names or a label column does not stop a CSV from counting.
fn numbers_in_text(text: &str) -> usize {
    let fields = text
        .split(|c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace())
        .map(|f| {
            f.trim_matches(|c| {
                c == '"' || c == '\'' || c == '[' || c == ']' || c == '(' || c == ')'
            })
        })
        .filter(|f| !f.is_empty());
    let (mut total, mut numeric) = (0usize, 0usize);
    for field in fields {
        total += 1;
        if field.parse::<f64>().is_ok() {
            numeric += 1;
        }
    }
    if numeric * 2 >= total { numeric } else { 0 }
}

// ---------------------------------------------------------------------------
// Strings and comments
// ---------------------------------------------------------------------------

/// Splits a string token into (prefix, body), tolerating missing closing quotes.
fn string_body(text: &str) -> (&str, &str) {
    let prefix_len = text.find(['\'', '"']).unwrap_or(text.len());
    let (prefix, quoted) = text.split_at(prefix_len);
    let quote = if quoted.starts_with("\"\"\"") || quoted.starts_with("'''") {
        quoted.get(..3).unwrap_or_default()
    } else {
        quoted.get(..1).unwrap_or_default()
    };
    let body = quoted.get(quote.len()..).unwrap_or_default();
    let closed = quoted.len() >= 2 * quote.len() && !quote.is_empty() && body.ends_with(quote);
    let body = if closed {
        body.get(..body.len() - quote.len()).unwrap_or_default()
    } else {
        body
    };
    (prefix, body)
}

/// Implicitly concatenated string literals (`"ab" "cd"`, common for long
/// blobs split across lines inside brackets), as (line, joined body).
/// Raw and non-raw bodies are joined as written; escapes stay escapes.
fn string_groups(tokens: &[Token<'_>]) -> Vec<(usize, String)> {
    let mut groups: Vec<(usize, String)> = Vec::new();
    let mut previous_was_string = false;
    for token in tokens {
        match token.kind {
            TokenKind::Str => {
                let (_, body) = string_body(token.text);
                match groups.last_mut() {
                    Some((_, text)) if previous_was_string => text.push_str(body),
                    _ => groups.push((token.line, body.to_string())),
                }
                previous_was_string = true;
            }
            // Comments between the pieces do not break the concatenation.
            TokenKind::Comment => {}
            _ => previous_was_string = false,
        }
    }
    groups
}

/// Consecutive comment lines, as (first line, text without `#`, one line each).
fn comment_blocks(tokens: &[Token<'_>]) -> Vec<(usize, String)> {
    let mut blocks: Vec<(usize, usize, String)> = Vec::new();
    for token in tokens.iter().filter(|t| t.kind == TokenKind::Comment) {
        let text = token.text.trim_start_matches('#');
        match blocks.last_mut() {
            Some((_, last, block)) if *last + 1 == token.line => {
                block.push('\n');
                block.push_str(text);
                *last = token.line;
            }
            _ => blocks.push((token.line, token.line, text.to_string())),
        }
    }
    blocks
        .into_iter()
        .map(|(first, _, text)| (first, text))
        .collect()
}

// ---------------------------------------------------------------------------
// Blobs
// ---------------------------------------------------------------------------

/// Python's `base64.b85encode` alphabet beyond letters and digits.
const B85_PUNCTUATION: &str = "!#$%&()*+-;<=>?@^_`{|}~";

/// Classifies text as an encoded blob, if it looks like one.
fn classify_blob(text: &str, line: usize) -> Option<Blob> {
    if let Some(blob) = escaped_bytes(text, line) {
        return Some(blob);
    }
    let compact = compact_lines(text)?;
    let chars = compact.len();
    if chars < MIN_BLOB_CHARS {
        return None;
    }
    let (encoding, bytes, head) = if is_hex(&compact) {
        (Encoding::Hex, chars / 2, decode_hex_head(&compact))
    } else if is_base64(&compact) {
        (
            Encoding::Base64,
            chars * 3 / 4,
            decode_base64_head(&compact),
        )
    } else if is_base85(&compact) {
        (Encoding::Base85, chars * 4 / 5, Vec::new())
    } else {
        return None;
    };
    Some(Blob {
        line,
        chars,
        bytes,
        encoding,
        compressed: is_compressed(&head),
    })
}

/// Joins trimmed lines (and removes `\` line continuations). Returns `None`
/// when a line has whitespace inside it: encoders break lines but never
/// put spaces within them, while prose and code do.
fn compact_lines(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_suffix('\\').unwrap_or(line);
        if line.contains(char::is_whitespace) {
            return None;
        }
        out.push_str(line);
    }
    Some(out)
}

fn has_variety(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_digit())
}

/// Hex digits only, with both a digit and a letter a–f (digit-only strings
/// are numbers, letter-only strings are words).
fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Standard or URL-safe base64 alphabet, padding only at the end, and the
/// mix of cases and digits random bytes produce.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || !has_variety(body) {
        return false;
    }
    let standard = body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    let url_safe = body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    standard || url_safe
}

/// Base85 (Python's `b85encode`) or Ascii85 alphabet, with enough distinct
/// characters to be encoded data rather than code or a format string.
fn is_base85(s: &str) -> bool {
    let b85 = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || B85_PUNCTUATION.as_bytes().contains(&b));
    let a85 = s.bytes().all(|b| (b'!'..=b'u').contains(&b) || b == b'z');
    let mut seen = [false; 128];
    for b in s.bytes() {
        if let Some(slot) = seen.get_mut(usize::from(b)) {
            *slot = true;
        }
    }
    let distinct = seen.iter().filter(|&&x| x).count();
    (b85 || a85) && has_variety(s) && distinct >= (s.len() / 2).min(40)
}

/// A string written mostly as `\xNN` escapes: raw bytes pasted as a literal.
fn escaped_bytes(text: &str, line: usize) -> Option<Blob> {
    let bytes = text.as_bytes();
    let (mut i, mut decoded, mut hex_escapes) = (0, Vec::new(), 0usize);
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            let escape = bytes.get(i + 1).copied();
            if escape == Some(b'x') {
                let byte = bytes
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = byte {
                    decoded.push(byte);
                    hex_escapes += 1;
                    i += 4;
                    continue;
                }
            }
            decoded.push(escape.unwrap_or(b'\\'));
            i += 2;
        } else {
            decoded.push(b);
            i += 1;
        }
    }
    let mostly_escapes = hex_escapes * 3 >= decoded.len();
    if decoded.len() < MIN_BLOB_CHARS || !mostly_escapes {
        return None;
    }
    Some(Blob {
        line,
        chars: text.len(),
        bytes: decoded.len(),
        encoding: Encoding::EscapedBytes,
        compressed: is_compressed(&decoded),
    })
}

fn decode_hex_head(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks_exact(2)
        .take(6)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// Decodes the first 8 base64 characters (6 bytes), enough for magic numbers.
fn decode_base64_head(s: &str) -> Vec<u8> {
    let sextet = |b: u8| -> Option<u32> {
        match b {
            b'A'..=b'Z' => Some(u32::from(b - b'A')),
            b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for quad in s.as_bytes().chunks_exact(4).take(2) {
        let Some(word) = quad
            .iter()
            .try_fold(0u32, |acc, &b| sextet(b).map(|v| (acc << 6) | v))
        else {
            break;
        };
        out.extend_from_slice(&word.to_be_bytes()[1..]);
    }
    out
}

/// zlib (`78 01/5e/9c/da`), gzip (`1f 8b`), bzip2 (`BZh`) or xz (`fd 7zXZ`).
fn is_compressed(head: &[u8]) -> bool {
    matches!(head, [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..])
        || head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(b"BZh")
        || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z'])
}

#[cfg(test)]
mod tests {
    use super::super::fingerprint::tests::{
        CART, KMEANS_NUMPY, KMEANS_PURE, TREE_ARRAYS, TREE_DICTS,
    };
    use super::*;

    /// Deterministic pseudo-random bytes (an LCG), so tests need no crates.
    fn noise(n: usize, mut state: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 33) as u8
            })
            .collect()
    }

    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let word = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[(word >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// A 569 × 31 CSV like the breast-cancer data: header, id, 30 features.
    fn pasted_csv() -> String {
        let mut csv = String::from("DATA = \"\"\"id");
        for j in 0..30 {
            csv.push_str(&format!(",feature_{j}"));
        }
        let values = noise(569 * 30, 7);
        for (i, row) in values.chunks(30).enumerate() {
            csv.push_str(&format!("\n{}", 842_302 + i));
            for v in row {
                csv.push_str(&format!(",{:.4}", f64::from(*v) / 17.0));
            }
        }
        csv.push_str("\n\"\"\"\n");
        format!(
            "import io\nimport numpy as np\n\n{csv}\nX = np.loadtxt(io.StringIO(DATA), delimiter=\",\", skiprows=1)\n"
        )
    }

    fn float_list(n: usize) -> String {
        let values: Vec<String> = noise(n, 3)
            .iter()
            .map(|v| format!("{:.6}", f64::from(*v) / 255.0))
            .collect();
        let mut lines = String::new();
        for chunk in values.chunks(8) {
            lines.push_str("    ");
            lines.push_str(&chunk.join(", "));
            lines.push_str(",\n");
        }
        format!(
            "import numpy as np\n\n\ndef predict(X):\n    return np.array(ANSWERS)[: len(X)]\n\n\nANSWERS = [\n{lines}]\n"
        )
    }

    fn base64_blob(bytes: &[u8]) -> String {
        let encoded = base64(bytes);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!(
            "import base64\nimport pickle\n\nMODEL = pickle.loads(base64.b64decode(\n    \"\"\"\n{}\n\"\"\"\n))\n",
            lines.join("\n")
        )
    }

    #[test]
    fn honest_solutions_stay_small() {
        for (name, src) in [
            ("cart", CART),
            ("gbm", GBM),
            ("tree arrays", TREE_ARRAYS),
            ("tree dicts", TREE_DICTS),
            ("kmeans numpy", KMEANS_NUMPY),
            ("kmeans pure", KMEANS_PURE),
        ] {
            let found = scan(src);
            eprintln!("{name}: value {} — {}", found.value(), found.describe());
            assert!(found.value() < SUSPICIOUS_VALUE, "{name}: {found:?}");
            assert!(found.blob.is_none(), "{name}: {found:?}");
            assert!(found.describe().starts_with("No embedded data"), "{name}");
        }
        assert!(scan(GBM).numeric_literals > 10);
    }

    #[test]
    fn pasted_csv_is_large() {
        let found = scan(&pasted_csv());
        eprintln!("csv: value {} — {}", found.value(), found.describe());
        let table = found.table.expect("a table");
        assert_eq!(table.form, TableForm::Text);
        assert_eq!(table.count, 569 * 31);
        assert_eq!(table.line, 4);
        assert!(found.value() >= 569.0 * 31.0);
        assert!(
            found
                .describe()
                .starts_with("Line 4 holds a string of 17,639 numbers"),
            "{}",
            found.describe()
        );
    }

    #[test]
    fn literal_list_of_floats_is_large() {
        let found = scan(&float_list(10_000));
        eprintln!("float list: value {} — {}", found.value(), found.describe());
        let table = found.table.expect("a table");
        assert_eq!(
            (table.count, table.line, table.form),
            (10_000, 8, TableForm::Literal)
        );
        assert_eq!(found.numeric_literals, 10_000);
        assert!(found.value() >= 10_000.0);
        assert!(
            found
                .describe()
                .contains("literal sequence of 10,000 numbers")
        );
    }

    #[test]
    fn base64_blob_is_large() {
        let found = scan(&base64_blob(&noise(15_000, 11)));
        eprintln!("base64: value {} — {}", found.value(), found.describe());
        let blob = found.blob.expect("a blob");
        assert_eq!(blob.encoding, Encoding::Base64);
        assert_eq!(blob.chars, 20_000);
        assert_eq!(blob.bytes, 15_000);
        assert_eq!(blob.line, 5);
        assert!(!blob.compressed);
        assert!(found.value() > SUSPICIOUS_VALUE * 10.0);
        assert!(
            found.describe().contains("20,000-character base64 string"),
            "{}",
            found.describe()
        );
    }

    #[test]
    fn compressed_blobs_are_flagged() {
        let mut zlib = vec![0x78, 0x9c];
        zlib.extend(noise(3_000, 5));
        let found = scan(&base64_blob(&zlib));
        assert!(found.blob.is_some_and(|b| b.compressed), "{found:?}");
        assert!(found.describe().contains("compressed"));

        let escaped: String = zlib
            .iter()
            .take(400)
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        let found = scan(&format!("import zlib\nW = zlib.decompress(b'{escaped}')\n"));
        let blob = found.blob.expect("a blob");
        assert_eq!(
            (blob.encoding, blob.bytes, blob.compressed, blob.line),
            (Encoding::EscapedBytes, 400, true, 2)
        );

        let hex: String = zlib
            .iter()
            .take(1_000)
            .map(|b| format!("{b:02x}"))
            .collect();
        let blob = scan(&format!("W = bytes.fromhex('{hex}')\n"))
            .blob
            .expect("a blob");
        assert_eq!(
            (blob.encoding, blob.bytes, blob.compressed),
            (Encoding::Hex, 1_000, true)
        );
    }

    #[test]
    fn blobs_split_into_concatenated_literals_are_joined() {
        let encoded = base64(&noise(3_000, 9));
        let pieces: Vec<String> = encoded
            .as_bytes()
            .chunks(60)
            .map(|c| format!("    \"{}\"", String::from_utf8_lossy(c)))
            .collect();
        let src = format!("BLOB = (\n{}\n)\n", pieces.join("\n"));
        let blob = scan(&src).blob.expect("a blob");
        assert_eq!(
            (blob.encoding, blob.chars, blob.line),
            (Encoding::Base64, 4_000, 2)
        );
    }

    #[test]
    fn base85_is_recognised() {
        // Python's b85 alphabet, cycled with a stride so it looks random.
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
        let text: String = noise(500, 2)
            .iter()
            .map(|b| char::from(alphabet[usize::from(*b) % 85]))
            .collect();
        let blob = scan(&format!("M = b'{text}'\n")).blob.expect("a blob");
        assert_eq!((blob.encoding, blob.bytes), (Encoding::Base85, 400));
    }

    #[test]
    fn nested_tables_dicts_and_comments_count() {
        let rows: Vec<String> = (0..50).map(|i| format!("[{i}, -{i}.5, {i}e-3]")).collect();
        let found = scan(&format!("W = np.array([\n{}\n])\n", rows.join(",\n")));
        assert_eq!(found.table.map(|t| t.count), Some(150));

        let pairs: Vec<String> = (0..100).map(|i| format!("{i}: {}", i % 2)).collect();
        assert_eq!(
            scan(&format!("LABELS = {{{}}}\n", pairs.join(", ")))
                .table
                .map(|t| t.count),
            Some(200)
        );

        let comments: Vec<String> = (0..40)
            .map(|i| format!("# {i},{},{}", i * 3, i % 2))
            .collect();
        let found = scan(&format!("import sys\n{}\nprint(1)\n", comments.join("\n")));
        let table = found.table.expect("a table");
        assert_eq!(
            (table.count, table.line, table.form),
            (120, 2, TableForm::Comment)
        );
        assert!(found.describe().contains("comment block at line 2"));
    }

    #[test]
    fn scattered_precise_literals_count() {
        let lines: Vec<String> = (0..80)
            .map(|i| format!("w{i} = {}.{:06}", i % 3, 123_457 + i * 7_919))
            .collect();
        let found = scan(&lines.join("\n"));
        assert_eq!(found.precise_literals, 80);
        assert_eq!(found.value(), 80.0);
        assert!(
            found
                .describe()
                .contains("80 numeric literals with 5 or more significant digits")
        );
    }

    #[test]
    fn prose_paths_and_code_strings_are_not_blobs() {
        let src = r#"
LOG = "%(asctime)s-%(levelname)s-%(name)s-%(message)s-%(lineno)d"
PATH = "/home/Candidate1/projects/BreastCancer2/data/train.csv"
HELP = """Usage: python solution.py TRAIN.csv TEST.csv --max-depth 5 --seed 42
The model is a CART decision tree trained with Gini impurity."""
SEP = "=================================================="
ID = "3f2a9c1e8b7d4f60"
"#;
        let found = scan(src);
        assert!(found.blob.is_none(), "{found:?}");
        assert!(found.value() < 5.0, "{found:?}");
    }

    #[test]
    fn significant_digits_ignore_zeros_and_exponents() {
        for (literal, digits) in [
            ("0.1", 1),
            ("1e-9", 1),
            ("100000", 1),
            ("3.14159", 6),
            ("0.000123", 3),
            ("0xDEADBEEF", 0),
            ("1_234.5", 5),
        ] {
            assert_eq!(significant_digits(literal), digits, "{literal}");
        }
        assert_eq!(group(17_070), "17,070");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000_000), "1,000,000");
    }

    #[test]
    fn scan_never_panics() {
        for src in [
            "",
            "'",
            "\"\"\"",
            "b'\\x",
            "b'\\x9",
            "[1, 2",
            "# 1,2\n#",
            "r'''\\",
            "😀 = [1, 2] # ±",
        ] {
            let found = scan(src);
            let _ = (found.value(), found.describe());
        }
        for seed in 0..50 {
            let bytes = noise(500, seed);
            let _ = scan(&String::from_utf8_lossy(&bytes)).describe();
        }
    }

    // A from-scratch gradient-boosting solution: a few honest constants.
    const GBM: &str = r##""""Gradient boosting for binary classification with depth-1 regression stumps."""
import math

import numpy as np

PARAMS = {
    "n_estimators": 100,
    "learning_rate": 0.1,
    "max_bins": 32,
    "subsample": 0.8,
    "seed": 42,
}
EPS = 1e-9


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def fit_stump(X, residual, max_bins):
    best = (np.inf, 0, 0.0, 0.0, 0.0)
    for j in range(X.shape[1]):
        edges = np.unique(np.quantile(X[:, j], np.linspace(0.0, 1.0, max_bins)))
        for t in edges[1:-1]:
            mask = X[:, j] <= t
            if mask.all() or not mask.any():
                continue
            left, right = residual[mask].mean(), residual[~mask].mean()
            sse = ((residual[mask] - left) ** 2).sum() + ((residual[~mask] - right) ** 2).sum()
            if sse < best[0]:
                best = (sse, j, t, left, right)
    return best[1:]


class GradientBoosting:
    def __init__(self, **overrides):
        self.params = dict(PARAMS, **overrides)
        self.stumps = []
        self.base = 0.0

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        rng = np.random.default_rng(self.params["seed"])
        p = np.clip(y.mean(), EPS, 1 - EPS)
        self.base = math.log(p / (1 - p))
        raw = np.full(len(y), self.base)
        for _ in range(self.params["n_estimators"]):
            rows = rng.random(len(y)) < self.params["subsample"]
            residual = y - sigmoid(raw)
            j, t, left, right = fit_stump(X[rows], residual[rows], self.params["max_bins"])
            raw += self.params["learning_rate"] * np.where(X[:, j] <= t, left, right)
            self.stumps.append((j, t, left, right))
        return self

    def decision_function(self, X):
        X = np.asarray(X, dtype=float)
        raw = np.full(len(X), self.base)
        for j, t, left, right in self.stumps:
            raw += self.params["learning_rate"] * np.where(X[:, j] <= t, left, right)
        return raw

    def predict_proba(self, X):
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)

    def log_loss(self, X, y):
        p = np.clip(self.predict_proba(X)[:, 1], EPS, 1 - EPS)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
"##;
}
