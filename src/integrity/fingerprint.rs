//! Copy detection as MOSS does it: tokenise, normalise, hash k-grams, winnow.
//!
//! The pipeline, and why each step is there:
//!
//! 1. [`tokenize`] splits Python source into tokens without caring about
//!    layout (indentation, blank lines and line breaks produce no tokens
//!    except a logical end-of-statement marker, used only to spot
//!    docstrings). It never fails: any `&str` yields some tokens.
//! 2. Normalisation maps every identifier that is not a keyword or a common
//!    builtin/module name to `V`, every string to `S`, every number to `N`,
//!    and drops comments, docstrings and trailing commas. Renaming,
//!    re-commenting and reformatting therefore change nothing.
//! 3. Every run of [`K`] consecutive normalised tokens (a k-gram) is hashed
//!    with a fixed hash (FNV-1a plus a mixing step), so stored values stay
//!    comparable across processes, machines and releases.
//! 4. Winnowing keeps the minimum hash of every window of [`W`] consecutive
//!    k-gram hashes. Any shared run of at least `K + W - 1` tokens is then
//!    guaranteed to produce a shared fingerprint, while only about
//!    `2 / (W + 1)` of all k-grams are stored.
//!
//! Moving whole functions around only breaks the k-grams that straddle a
//! function boundary, so reordering costs a few fingerprints per boundary.
//!
//! # Comparing one submission with thousands
//!
//! [`similarity`] merges two sorted hash sets: `O(|a| + |b|)`. Comparing a
//! new submission with `N` stored ones that way costs `O(N · m)` for `m`
//! fingerprints per submission (a few hundred for a typical solution). The
//! [`Index`] instead maps each hash to the submissions holding it, so a
//! query costs `O(m + matches)`: only the new submission's own hashes are
//! looked up, and unrelated submissions are never touched. Subtract the
//! starter file ([`Fingerprints::excluding`]) before indexing, or the
//! skeleton's hashes will have postings lists as long as the index.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::ops::RangeInclusive;

/// Tokens per k-gram.
///
/// After normalisation Python is low-entropy (`V = V ( V , V )`), so short
/// k-grams recur by chance: idioms such as `for V in range ( len ( V ) ) :`
/// are already 11 tokens. With k = 15 a shared k-gram spans roughly one
/// full statement plus part of the next, which independent implementations
/// rarely share, while a copied function of a few lines still yields many.
pub const K: usize = 15;

/// Winnowing window, in k-grams.
///
/// Matches of `K + W - 1 = 22` tokens or more (about two lines of code) are
/// always detected; about `2 / (W + 1)` ≈ 22 % of k-grams are kept, which
/// keeps the stored set small without losing short copied functions.
pub const W: usize = 8;

/// Version of the fingerprint scheme. Stored fingerprints are only
/// comparable with fingerprints of the same version: changing the
/// tokenizer, normalisation, `K`, `W` or the hash must bump it.
pub const FORMAT_VERSION: u8 = 1;

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

/// What kind of lexical unit a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Identifier or keyword (Python decides keywords after lexing too).
    Name,
    /// Numeric literal, e.g. `3`, `0.1`, `1e-9`, `0xff`, `2j`.
    Number,
    /// String literal including prefix and quotes, e.g. `rb'\d'`, `"""doc"""`.
    Str,
    /// Operator, bracket, delimiter, or any other single character.
    Op,
    /// A `#` comment, up to (not including) the end of the line.
    Comment,
    /// End of a logical line (a newline outside brackets).
    Newline,
}

/// One token, borrowing its text from the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    /// 1-based line of the token's first character.
    pub line: usize,
    /// 1-based line of the token's last character (differs for multi-line strings).
    pub end_line: usize,
}

/// Splits Python source into tokens. Never panics, whatever the input.
///
/// Hand-written because the job is narrow: we need strings, comments and
/// brackets right (so a `#` inside a string is not a comment and newlines
/// inside brackets are not statement ends) and everything else merely
/// consistent. Invalid Python still tokenises; unterminated strings end at
/// the end of the line (single-quoted) or of the file (triple-quoted).
#[must_use]
pub fn tokenize(source: &str) -> Vec<Token<'_>> {
    Lexer::new(source).run()
}

/// Multi-character operators, longest first so the first match wins.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
];

/// String prefixes Python accepts (compared case-insensitively).
const STRING_PREFIXES: &[&str] = &["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"];

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    depth: usize,
    out: Vec<Token<'a>>,
}

/// Identifier bytes: ASCII letters, digits, `_`, and every non-ASCII byte.
///
/// Treating all bytes >= 0x80 as identifier bytes keeps multi-byte UTF-8
/// characters whole, so every token boundary falls on an ASCII byte and
/// slicing the `&str` there is always valid.
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_ident_start(b: u8) -> bool {
    is_ident_byte(b) && !b.is_ascii_digit()
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            depth: 0,
            out: Vec::new(),
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn run(mut self) -> Vec<Token<'a>> {
        while let Some(b) = self.at(self.pos) {
            match b {
                b'\n' => self.newline(),
                b' ' | b'\t' | b'\r' | 0x0c => self.pos += 1,
                b'#' => self.comment(),
                b'\\' => self.backslash(),
                b'\'' | b'"' => self.string(self.pos, self.pos),
                b'0'..=b'9' => self.number(),
                b'.' if self.at(self.pos + 1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
                b if is_ident_start(b) => self.name_or_prefixed_string(),
                _ => self.operator(),
            }
        }
        self.out
    }

    /// Pushes the token `start..end` and moves past it, counting its newlines.
    fn emit(&mut self, kind: TokenKind, start: usize, end: usize) {
        let end = end.min(self.bytes.len()).max(start);
        let text = self.src.get(start..end).unwrap_or_default();
        let end_line = self.line + text.bytes().filter(|&c| c == b'\n').count();
        self.out.push(Token {
            kind,
            text,
            line: self.line,
            end_line,
        });
        self.line = end_line;
        // Always advance, so the lexer terminates on any input.
        self.pos = end.max(start + 1);
    }

    /// A newline ends a statement only outside brackets; repeated ends collapse.
    fn newline(&mut self) {
        let ends_statement = self.depth == 0
            && self
                .out
                .last()
                .is_some_and(|t| t.kind != TokenKind::Newline);
        if ends_statement {
            let text = self.src.get(self.pos..self.pos + 1).unwrap_or_default();
            self.out.push(Token {
                kind: TokenKind::Newline,
                text,
                line: self.line,
                end_line: self.line,
            });
        }
        self.pos += 1;
        self.line += 1;
    }

    fn comment(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.bytes.len(), |i| self.pos + i);
        let end = if end > self.pos && self.at(end - 1) == Some(b'\r') {
            end - 1
        } else {
            end
        };
        self.emit(TokenKind::Comment, self.pos, end);
    }

    /// `\` before a newline joins lines; anywhere else it is a stray character.
    fn backslash(&mut self) {
        let next = self.pos + 1;
        let skip = match (self.at(next), self.at(next + 1)) {
            (Some(b'\n'), _) => 2,
            (Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        };
        if skip > 0 {
            self.pos += skip;
            self.line += 1;
        } else {
            self.emit(TokenKind::Op, self.pos, next);
        }
    }

    /// Lexes a string whose token starts at `start` (its prefix, if any) and
    /// whose opening quote is at `quote`.
    fn string(&mut self, start: usize, quote: usize) {
        let Some(q) = self.at(quote) else {
            self.emit(TokenKind::Str, start, quote);
            return;
        };
        let triple = self.at(quote + 1) == Some(q) && self.at(quote + 2) == Some(q);
        let mut i = quote + if triple { 3 } else { 1 };
        let end = loop {
            match self.at(i) {
                None => break self.bytes.len(),
                // An escaped character never closes the string, raw or not.
                Some(b'\\') => {
                    i += if self.at(i + 1) == Some(b'\r') && self.at(i + 2) == Some(b'\n') {
                        3
                    } else {
                        2
                    };
                }
                Some(c) if c == q => {
                    if !triple {
                        break i + 1;
                    }
                    if self.at(i + 1) == Some(q) && self.at(i + 2) == Some(q) {
                        break i + 3;
                    }
                    i += 1;
                }
                // Unterminated single-quoted string: it ends with the line.
                Some(b'\n') if !triple => break i,
                Some(_) => i += 1,
            }
        };
        self.emit(TokenKind::Str, start, end);
    }

    fn name_or_prefixed_string(&mut self) {
        let start = self.pos;
        let mut end = start;
        while self.at(end).is_some_and(is_ident_byte) {
            end += 1;
        }
        let word = self.src.get(start..end).unwrap_or_default();
        let quoted = matches!(self.at(end), Some(b'\'' | b'"'));
        if quoted && STRING_PREFIXES.iter().any(|p| p.eq_ignore_ascii_case(word)) {
            self.string(start, end);
        } else {
            self.emit(TokenKind::Name, start, end);
        }
    }

    /// Numbers: decimal, float, exponent (with sign), radix, `_` separators,
    /// imaginary suffix. Accepts some invalid forms; consistency is enough.
    fn number(&mut self) {
        let start = self.pos;
        let radix = self.at(start) == Some(b'0')
            && matches!(
                self.at(start + 1),
                Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
            );
        let mut i = start;
        while let Some(c) = self.at(i) {
            let exponent_sign = !radix
                && (c == b'+' || c == b'-')
                && i > start
                && matches!(self.at(i - 1), Some(b'e' | b'E'));
            if c.is_ascii_alphanumeric() || c == b'_' || (c == b'.' && !radix) || exponent_sign {
                i += 1;
            } else {
                break;
            }
        }
        self.emit(TokenKind::Number, start, i);
    }

    fn operator(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let len = OPERATORS
            .iter()
            .find(|op| rest.starts_with(op.as_bytes()))
            .map_or(1, |op| op.len());
        match rest.first() {
            Some(b'(' | b'[' | b'{') => self.depth += 1,
            Some(b')' | b']' | b'}') => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.emit(TokenKind::Op, self.pos, self.pos + len);
    }
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Names kept verbatim: builtins and importable module names. These cannot
/// be renamed without changing what the program does, so keeping them costs
/// no rename-robustness and adds structure that tells independent code
/// apart. Aliases (`np`, `pd`) and `self` are *not* kept: they are choices.
const KEPT_NAMES: &[&str] = &[
    // builtins
    "abs",
    "all",
    "any",
    "bool",
    "dict",
    "enumerate",
    "filter",
    "float",
    "int",
    "isinstance",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "object",
    "open",
    "pow",
    "print",
    "range",
    "reversed",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "zip",
    "Exception",
    "ValueError",
    "NotImplementedError",
    "staticmethod",
    "classmethod",
    "property",
    // modules
    "numpy",
    "pandas",
    "math",
    "random",
    "collections",
    "itertools",
    "functools",
    "heapq",
    "statistics",
    "typing",
    "dataclasses",
    "scipy",
    "sklearn",
    "torch",
    "os",
    "sys",
    "json",
    "csv",
];

/// A normalised token: its hash and the source lines it came from.
#[derive(Clone, Copy, Debug)]
struct Sym {
    hash: u64,
    line: usize,
    end_line: usize,
}

fn is_closing(token: &Token<'_>) -> bool {
    matches!(token.text, ")" | "]" | "}")
}

/// The normalised spelling of a code token (never a comment or newline).
fn normal_form<'a>(token: &Token<'a>, after_dot: bool) -> &'a str {
    match token.kind {
        TokenKind::Number => "N",
        TokenKind::Str => "S",
        TokenKind::Name if KEYWORDS.contains(&token.text) => token.text,
        TokenKind::Name if !after_dot && KEPT_NAMES.contains(&token.text) => token.text,
        TokenKind::Name => "V",
        _ => token.text,
    }
}

/// Number of leading string tokens from `i` that form a docstring-like
/// expression statement (strings alone on a logical line), or 0.
fn docstring_len(code: &[Token<'_>], i: usize) -> usize {
    let at_statement_start = i == 0 || code[i - 1].kind == TokenKind::Newline;
    if !at_statement_start {
        return 0;
    }
    let run = code[i..]
        .iter()
        .take_while(|t| t.kind == TokenKind::Str)
        .count();
    let ends_statement = code
        .get(i + run)
        .is_none_or(|t| t.kind == TokenKind::Newline);
    if ends_statement { run } else { 0 }
}

/// Tokens → normalised symbols, dropping everything layout- or naming-only.
fn normalise(tokens: &[Token<'_>]) -> Vec<Sym> {
    let code: Vec<Token<'_>> = tokens
        .iter()
        .filter(|t| t.kind != TokenKind::Comment)
        .copied()
        .collect();
    let mut syms = Vec::with_capacity(code.len());
    let mut i = 0;
    while let Some(token) = code.get(i) {
        let skip = docstring_len(&code, i);
        if skip > 0 {
            i += skip;
            continue;
        }
        i += 1;
        let prev = i.checked_sub(2).and_then(|p| code.get(p));
        let next = code.get(i);
        let drop = match token.kind {
            TokenKind::Newline | TokenKind::Comment => true,
            // Implicitly concatenated strings count as one literal.
            TokenKind::Str => prev.is_some_and(|p| p.kind == TokenKind::Str),
            // A trailing comma before a closing bracket is formatting only.
            TokenKind::Op => token.text == "," && next.is_some_and(is_closing),
            _ => false,
        };
        if drop {
            continue;
        }
        let after_dot = prev.is_some_and(|p| p.text == ".");
        syms.push(Sym {
            hash: fnv1a(normal_form(token, after_dot).as_bytes(), FNV_OFFSET),
            line: token.line,
            end_line: token.end_line,
        });
    }
    syms
}

// ---------------------------------------------------------------------------
// Hashing and winnowing
// ---------------------------------------------------------------------------

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a: tiny, fixed, and identical on every platform and release.
fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    bytes
        .iter()
        .fold(seed, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// SplitMix64 finaliser: FNV's low bits are weak, and winnowing compares
/// whole values, so mix before choosing minima.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn kgram_hashes(syms: &[Sym]) -> Vec<u64> {
    syms.windows(K)
        .map(|gram| {
            mix(gram
                .iter()
                .fold(FNV_OFFSET, |h, s| fnv1a(&s.hash.to_le_bytes(), h)))
        })
        .collect()
}

/// Positions selected by winnowing: the rightmost minimum of each window of
/// `W` hashes, each position once. Fewer than `W` hashes form one window.
fn winnow(hashes: &[u64]) -> Vec<usize> {
    let w = W.min(hashes.len());
    if w == 0 {
        return Vec::new();
    }
    let mut picked: Vec<usize> = Vec::new();
    for (start, window) in hashes.windows(w).enumerate() {
        let best = window
            .iter()
            .enumerate()
            .fold(0, |best, (i, &h)| if h <= window[best] { i } else { best });
        let pos = start + best;
        // Selected positions never decrease, so comparing with the last suffices.
        if picked.last() != Some(&pos) {
            picked.push(pos);
        }
    }
    picked
}

// ---------------------------------------------------------------------------
// Fingerprints
// ---------------------------------------------------------------------------

/// One selected k-gram hash and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    /// Index of the k-gram in the normalised token sequence.
    pub position: u32,
    /// First source line of the k-gram's first token.
    pub first_line: u32,
    /// Last source line of the k-gram's last token.
    pub last_line: u32,
}

impl Fingerprint {
    pub fn lines(&self) -> RangeInclusive<usize> {
        self.first_line as usize..=self.last_line as usize
    }
}

/// The winnowed fingerprints of one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprints {
    /// In source order.
    prints: Vec<Fingerprint>,
    /// Sorted, unique hashes: what similarity is measured on.
    unique: Vec<u64>,
}

/// Why [`Fingerprints::from_bytes`] refused its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Empty input, or a version this code does not produce.
    Version,
    /// Length is not a header plus whole records.
    Length,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Version => write!(f, "fingerprints have an unknown format version"),
            DecodeError::Length => write!(f, "fingerprint bytes are truncated"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Bytes per encoded fingerprint: hash, position, first line, last line.
const RECORD: usize = 8 + 4 + 4 + 4;

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Fingerprints {
    /// Fingerprints of a Python source. Never panics.
    #[must_use]
    pub fn of(source: &str) -> Fingerprints {
        let syms = normalise(&tokenize(source));
        let hashes = kgram_hashes(&syms);
        let prints = winnow(&hashes)
            .into_iter()
            .map(|pos| Fingerprint {
                hash: hashes[pos],
                position: to_u32(pos),
                first_line: to_u32(syms[pos].line),
                last_line: to_u32(syms[pos + K - 1].end_line),
            })
            .collect();
        Fingerprints::from_prints(prints)
    }

    fn from_prints(prints: Vec<Fingerprint>) -> Fingerprints {
        let mut unique: Vec<u64> = prints.iter().map(|p| p.hash).collect();
        unique.sort_unstable();
        unique.dedup();
        Fingerprints { prints, unique }
    }

    /// Selected fingerprints in source order.
    pub fn prints(&self) -> &[Fingerprint] {
        &self.prints
    }

    /// Sorted, de-duplicated hashes; what gets stored and indexed.
    pub fn hashes(&self) -> Vec<u64> {
        self.unique.clone()
    }

    /// Number of distinct hashes.
    pub fn len(&self) -> usize {
        self.unique.len()
    }

    pub fn is_empty(&self) -> bool {
        self.unique.is_empty()
    }

    /// These fingerprints minus every hash that also occurs in `base` (the
    /// challenge's starter file), so a shared skeleton is not evidence.
    #[must_use]
    pub fn excluding(&self, base: &Fingerprints) -> Fingerprints {
        let prints = self
            .prints
            .iter()
            .filter(|p| base.unique.binary_search(&p.hash).is_err())
            .copied()
            .collect();
        Fingerprints::from_prints(prints)
    }

    /// Compact encoding: a version byte, then 20 bytes per fingerprint
    /// (little-endian hash u64, position u32, first line u32, last line u32).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + RECORD * self.prints.len());
        out.push(FORMAT_VERSION);
        for p in &self.prints {
            out.extend_from_slice(&p.hash.to_le_bytes());
            out.extend_from_slice(&p.position.to_le_bytes());
            out.extend_from_slice(&p.first_line.to_le_bytes());
            out.extend_from_slice(&p.last_line.to_le_bytes());
        }
        out
    }

    /// Inverse of [`Fingerprints::to_bytes`].
    ///
    /// # Errors
    ///
    /// [`DecodeError`] when the bytes were written by another format
    /// version (re-fingerprint the source) or are truncated.
    pub fn from_bytes(bytes: &[u8]) -> Result<Fingerprints, DecodeError> {
        let (&version, body) = bytes.split_first().ok_or(DecodeError::Version)?;
        if version != FORMAT_VERSION {
            return Err(DecodeError::Version);
        }
        if body.len() % RECORD != 0 {
            return Err(DecodeError::Length);
        }
        let prints = body.chunks_exact(RECORD).map(decode_record).collect();
        Ok(Fingerprints::from_prints(prints))
    }
}

fn decode_record(record: &[u8]) -> Fingerprint {
    let mut hash = [0u8; 8];
    hash.copy_from_slice(&record[..8]);
    let word = |at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&record[at..at + 4]);
        u32::from_le_bytes(w)
    };
    Fingerprint {
        hash: u64::from_le_bytes(hash),
        position: word(8),
        first_line: word(12),
        last_line: word(16),
    }
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// How much two submissions share, measured on distinct fingerprints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    /// Distinct hashes present in both.
    pub shared: usize,
    /// Fraction of `a`'s distinct hashes found in `b` (0 when `a` is empty).
    pub share_a: f64,
    /// Fraction of `b`'s distinct hashes found in `a` (0 when `b` is empty).
    pub share_b: f64,
}

impl Similarity {
    /// The larger share: high when either file is mostly contained in the other.
    pub fn max_share(&self) -> f64 {
        self.share_a.max(self.share_b)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Count of values in both sorted, de-duplicated slices (a linear merge).
fn intersection_size(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Shares of fingerprints between two submissions. `O(|a| + |b|)`.
#[must_use]
pub fn similarity(a: &Fingerprints, b: &Fingerprints) -> Similarity {
    let shared = intersection_size(&a.unique, &b.unique);
    Similarity {
        shared,
        share_a: ratio(shared, a.len()),
        share_b: ratio(shared, b.len()),
    }
}

/// Like [`similarity`], after removing from both everything in `base` (the
/// starter file), so only code the candidates wrote themselves counts.
#[must_use]
pub fn similarity_excluding(a: &Fingerprints, b: &Fingerprints, base: &Fingerprints) -> Similarity {
    similarity(&a.excluding(base), &b.excluding(base))
}

/// A pair of matching line ranges: `(lines in a, lines in b)`.
pub type Region = (RangeInclusive<usize>, RangeInclusive<usize>);

/// Matching line ranges of two sources, merged into runs, for a side-by-side view.
#[must_use]
pub fn regions(a_src: &str, b_src: &str) -> Vec<Region> {
    regions_between(&Fingerprints::of(a_src), &Fingerprints::of(b_src))
}

/// Matching line ranges from stored fingerprints (pass `excluding(base)`
/// versions to leave the starter's skeleton unmarked).
///
/// Walks `a` in source order; each shared hash is paired with the
/// occurrence in `b` that continues the current run if there is one, else
/// with its first occurrence. Consecutive pairs whose ranges touch or
/// overlap on both sides merge into one run.
#[must_use]
pub fn regions_between(a: &Fingerprints, b: &Fingerprints) -> Vec<Region> {
    let mut in_b: HashMap<u64, Vec<&Fingerprint>> = HashMap::new();
    for p in &b.prints {
        in_b.entry(p.hash).or_default().push(p);
    }
    let mut runs: Vec<Region> = Vec::new();
    for p in &a.prints {
        let Some(candidates) = in_b.get(&p.hash) else {
            continue;
        };
        let pa = p.lines();
        let continues = |q: &&Fingerprint| {
            runs.last()
                .is_some_and(|(ra, rb)| touches(ra, &pa) && touches(rb, &q.lines()))
        };
        let Some(q) = candidates
            .iter()
            .find(|q| continues(q))
            .or(candidates.first())
        else {
            continue;
        };
        let pb = q.lines();
        match runs.last_mut() {
            Some((ra, rb)) if touches(ra, &pa) && touches(rb, &pb) => {
                *ra = merge(ra, &pa);
                *rb = merge(rb, &pb);
            }
            _ => runs.push((pa, pb)),
        }
    }
    runs
}

/// Whether two line ranges overlap or are adjacent.
fn touches(x: &RangeInclusive<usize>, y: &RangeInclusive<usize>) -> bool {
    *y.start() <= x.end().saturating_add(1) && *x.start() <= y.end().saturating_add(1)
}

fn merge(x: &RangeInclusive<usize>, y: &RangeInclusive<usize>) -> RangeInclusive<usize> {
    *x.start().min(y.start())..=*x.end().max(y.end())
}

// ---------------------------------------------------------------------------
// Inverted index
// ---------------------------------------------------------------------------

/// Hash → submissions holding it, to compare one submission with thousands
/// by looking up only its own hashes. Build it at startup from the stored
/// hash sets (ideally already [`Fingerprints::excluding`] the starter).
#[derive(Clone, Debug)]
pub struct Index<Id> {
    ids: Vec<Id>,
    postings: HashMap<u64, Vec<usize>>,
}

impl<Id> Default for Index<Id> {
    fn default() -> Self {
        Index {
            ids: Vec::new(),
            postings: HashMap::new(),
        }
    }
}

impl<Id: Clone + Eq + Hash> Index<Id> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a submission. Adding the same id twice indexes it twice.
    pub fn add(&mut self, id: Id, prints: &Fingerprints) {
        let slot = self.ids.len();
        self.ids.push(id);
        for &hash in &prints.unique {
            self.postings.entry(hash).or_default().push(slot);
        }
    }

    /// Number of submissions indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `n` indexed submissions sharing the most distinct hashes with
    /// `prints`, most first (ties in insertion order); submissions sharing
    /// nothing are left out. Cost: `O(|prints| + matches)`.
    #[must_use]
    pub fn best_matches(&self, prints: &Fingerprints, n: usize) -> Vec<(Id, usize)> {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for hash in &prints.unique {
            for &slot in self.postings.get(hash).into_iter().flatten() {
                *counts.entry(slot).or_default() += 1;
            }
        }
        let mut ranked: Vec<(usize, usize)> = counts.into_iter().collect();
        ranked.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        ranked
            .into_iter()
            .take(n)
            .filter_map(|(slot, count)| self.ids.get(slot).map(|id| (id.clone(), count)))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn share(a: &str, b: &str) -> Similarity {
        similarity(&Fingerprints::of(a), &Fingerprints::of(b))
    }

    fn starter() -> String {
        format!("{STARTER_HEAD}{STARTER_STUB}{STARTER_TAIL}")
    }

    fn solved_with(implementation: &str) -> String {
        format!("{STARTER_HEAD}{implementation}\n\n{STARTER_TAIL}")
    }

    #[test]
    fn renamed_reordered_reformatted_copy_is_caught() {
        let s = share(CART, CART_RENAMED);
        eprintln!("renamed copy: {s:?}");
        assert!(s.share_a >= 0.8 && s.share_b >= 0.8, "{s:?}");
    }

    #[test]
    fn independent_decision_trees_are_apart() {
        for (a, b) in [
            (CART, TREE_ARRAYS),
            (CART, TREE_DICTS),
            (TREE_ARRAYS, TREE_DICTS),
        ] {
            let s = share(a, b);
            eprintln!("independent trees: {s:?}");
            assert!(s.max_share() < 0.3, "{s:?}");
        }
    }

    #[test]
    fn independent_kmeans_are_apart() {
        let s = share(KMEANS_NUMPY, KMEANS_PURE);
        eprintln!("independent k-means: {s:?}");
        assert!(s.max_share() < 0.3, "{s:?}");
    }

    #[test]
    fn identical_sources_share_everything() {
        let s = share(CART, CART);
        assert_eq!((s.share_a, s.share_b), (1.0, 1.0));
        assert!(s.shared > 20);
    }

    #[test]
    fn layout_comments_and_docstrings_do_not_matter() {
        let a = "def f(a, b):\n    \"\"\"Doc.\"\"\"\n    # comment\n    return g(a, b) + h(a) * 2 - k(b) / 3 + m(a, b, c)\n";
        let b = "def F(x,\n      y,):\n  return (g(x, y) + h(x) * 2\n          - k(y) / 3 + m(x, y, c))\n";
        let b_flat = "def F(x, y):\n\n\n        return g(x, y) + h(x) * 2 - k(y) / 3 + m(x, y, c)";
        assert_eq!(
            Fingerprints::of(a).hashes(),
            Fingerprints::of(b_flat).hashes()
        );
        assert!(!Fingerprints::of(a).is_empty());
        // Extra parentheses are real tokens, so only part of the body matches.
        assert!(share(a, b).shared > 0);
    }

    #[test]
    fn starter_skeleton_is_not_counted() {
        let base = Fingerprints::of(&starter());
        let a = Fingerprints::of(&solved_with(CART));
        let b = Fingerprints::of(&solved_with(TREE_ARRAYS));
        let plain = similarity(&a, &b);
        let excluded = similarity_excluding(&a, &b, &base);
        eprintln!("independent on shared starter: plain {plain:?}, excluding starter {excluded:?}");
        assert!(plain.max_share() > 0.3, "{plain:?}");
        assert!(excluded.max_share() < 0.1, "{excluded:?}");
        // A copy is still a copy once the skeleton is removed.
        let copy = Fingerprints::of(&solved_with(CART_RENAMED));
        let copied = similarity_excluding(&a, &copy, &base);
        eprintln!("copy on shared starter, excluding starter: {copied:?}");
        assert!(copied.share_a >= 0.8, "{copied:?}");
        // The starter compared with itself has nothing left.
        assert_eq!(similarity_excluding(&base, &base, &base).shared, 0);
    }

    #[test]
    fn regions_mark_matching_lines_in_both_files() {
        let runs = regions(CART, CART_RENAMED);
        assert!(!runs.is_empty());
        let cart_lines = CART.lines().count();
        let renamed_lines = CART_RENAMED.lines().count();
        for (a, b) in &runs {
            assert!(*a.start() >= 1 && *a.end() <= cart_lines, "{a:?}");
            assert!(*b.start() >= 1 && *b.end() <= renamed_lines, "{b:?}");
        }
        // `_best_split` (lines 47-68 in CART) maps onto `_search` (68-89).
        let best_split = runs
            .iter()
            .find(|(a, _)| a.contains(&55))
            .map(|(_, b)| b.clone());
        assert!(best_split.is_some_and(|b| b.contains(&76)), "{runs:?}");
        // Independent code produces few, short regions.
        let independent = regions(CART, TREE_DICTS);
        assert!(independent.len() < runs.len(), "{independent:?}");
    }

    #[test]
    fn encoding_round_trips() {
        let prints = Fingerprints::of(CART);
        let bytes = prints.to_bytes();
        assert_eq!(bytes.len(), 1 + RECORD * prints.prints().len());
        assert_eq!(Fingerprints::from_bytes(&bytes), Ok(prints.clone()));
        assert_eq!(Fingerprints::from_bytes(&[]), Err(DecodeError::Version));
        assert_eq!(
            Fingerprints::from_bytes(&[FORMAT_VERSION + 1]),
            Err(DecodeError::Version)
        );
        assert_eq!(
            Fingerprints::from_bytes(&bytes[..bytes.len() - 1]),
            Err(DecodeError::Length)
        );
        let hashes = prints.hashes();
        assert!(hashes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn hashes_are_stable_across_releases() {
        // Stored fingerprints must stay comparable: if this changes,
        // bump FORMAT_VERSION and re-fingerprint stored submissions.
        let hashes = Fingerprints::of(CART).hashes();
        assert_eq!(hashes.len(), EXPECTED_CART_FINGERPRINTS, "{}", hashes.len());
        assert_eq!(
            hashes.first().copied(),
            Some(EXPECTED_CART_FIRST_HASH),
            "{:#x}",
            hashes[0]
        );
    }

    #[test]
    fn index_finds_the_copy_among_many() {
        let mut index = Index::new();
        index.add("dicts", &Fingerprints::of(TREE_DICTS));
        index.add("arrays", &Fingerprints::of(TREE_ARRAYS));
        index.add("kmeans", &Fingerprints::of(KMEANS_PURE));
        index.add("original", &Fingerprints::of(CART));
        index.add("empty", &Fingerprints::of(""));
        assert_eq!(index.len(), 5);
        let query = Fingerprints::of(CART_RENAMED);
        let best = index.best_matches(&query, 2);
        assert_eq!(best.first().map(|m| m.0), Some("original"), "{best:?}");
        assert!(best[0].1 >= query.len() * 8 / 10);
        assert!(best.get(1).is_none_or(|m| m.1 < best[0].1 / 3), "{best:?}");
        assert!(index.best_matches(&query, 0).is_empty());
    }

    #[test]
    fn tokenizer_handles_python_lexical_forms() {
        let src = "x = rB'a\\'b' + F\"\"\"t\n# not a comment\n\"\"\" # real\ny = 1_000.5e-3j + .5 + 0xFF\n";
        let kinds: Vec<(TokenKind, &str)> =
            tokenize(src).iter().map(|t| (t.kind, t.text)).collect();
        assert_eq!(
            kinds,
            vec![
                (TokenKind::Name, "x"),
                (TokenKind::Op, "="),
                (TokenKind::Str, "rB'a\\'b'"),
                (TokenKind::Op, "+"),
                (TokenKind::Str, "F\"\"\"t\n# not a comment\n\"\"\""),
                (TokenKind::Comment, "# real"),
                (TokenKind::Newline, "\n"),
                (TokenKind::Name, "y"),
                (TokenKind::Op, "="),
                (TokenKind::Number, "1_000.5e-3j"),
                (TokenKind::Op, "+"),
                (TokenKind::Number, ".5"),
                (TokenKind::Op, "+"),
                (TokenKind::Number, "0xFF"),
                (TokenKind::Newline, "\n"),
            ]
        );
        let lines: Vec<(usize, usize)> =
            tokenize(src).iter().map(|t| (t.line, t.end_line)).collect();
        assert_eq!(lines[4], (1, 3));
        assert_eq!(lines[7], (4, 4));
    }

    #[test]
    fn newlines_inside_brackets_do_not_end_statements() {
        let newlines = tokenize("f(a,\n  b)\ng = [\n1]\n\n\n")
            .iter()
            .filter(|t| t.kind == TokenKind::Newline)
            .count();
        assert_eq!(newlines, 2);
    }

    #[test]
    fn tokenizer_survives_garbage() {
        let nasty = [
            "",
            "'",
            "\"\"\"never closed\n\n",
            "r'\\",
            "b'\\x",
            "x = 'unterminated\ny = 2",
            "))))]]]]}}}}((((",
            "\\",
            "\\\r",
            "#",
            "1e",
            "0x",
            "...",
            "\u{0}\u{1}\u{7f}",
            "données = [1, 2]; naïve_μ = données[0] ± 2 😀",
            "\r\n\r\n\t\u{c}",
            "f'''{x!r:>{width}}''' '''",
        ];
        for src in nasty {
            let _ = tokenize(src);
            let _ = Fingerprints::of(src);
            let _ = regions(src, CART);
        }
        let names: Vec<&str> = tokenize("données = naïve_μ")
            .iter()
            .filter(|t| t.kind == TokenKind::Name)
            .map(|t| t.text)
            .collect();
        assert_eq!(names, vec!["données", "naïve_μ"]);
        // Non-ASCII names are renamed like any others.
        assert_eq!(
            Fingerprints::of(&CART.replace("threshold", "seuil_é")).hashes(),
            Fingerprints::of(CART).hashes()
        );
    }

    #[test]
    fn every_truncation_and_pseudo_random_bytes_are_fine() {
        for (end, _) in CART.char_indices().step_by(7) {
            let cut = &CART[..end];
            let _ = Fingerprints::of(cut);
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..300)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let b = (state >> 33) as u8;
                    // Bias towards Python punctuation to reach odd states.
                    let punctuation = b"'\"\\#\n([{}]) rbfx0.e+-";
                    if b.is_multiple_of(2) {
                        punctuation[usize::from(b) % punctuation.len()]
                    } else {
                        b
                    }
                })
                .collect();
            let src = String::from_utf8_lossy(&bytes);
            let prints = Fingerprints::of(&src);
            assert_eq!(Fingerprints::from_bytes(&prints.to_bytes()), Ok(prints));
        }
    }

    const EXPECTED_CART_FINGERPRINTS: usize = 179;
    const EXPECTED_CART_FIRST_HASH: u64 = 0x004d_143b_f576_e5e3;

    // Python fixtures: real code, checked with `python3 -m py_compile`.

    pub(crate) const CART: &str = r##""""A from-scratch CART decision tree classifier (Gini impurity)."""
import numpy as np


class Node:
    """One node of the tree: either an internal split or a leaf."""

    def __init__(self, feature=None, threshold=None, left=None, right=None, value=None):
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value

    def is_leaf(self):
        return self.value is not None


class DecisionTree:
    """CART with binary splits on numeric features."""

    def __init__(self, max_depth=5, min_samples_split=2, min_gain=0.0):
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_gain = min_gain
        self.root = None
        self.n_classes = 0

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        self.n_classes = int(y.max()) + 1
        self.root = self._grow(X, y, depth=0)
        return self

    def _gini(self, y):
        # Gini impurity of a label vector.
        if len(y) == 0:
            return 0.0
        counts = np.bincount(y, minlength=self.n_classes)
        p = counts / len(y)
        return 1.0 - np.sum(p * p)

    def _leaf_value(self, y):
        counts = np.bincount(y, minlength=self.n_classes)
        return int(np.argmax(counts))

    def _best_split(self, X, y):
        n_samples, n_features = X.shape
        parent = self._gini(y)
        best_gain = self.min_gain
        best_feature, best_threshold = None, None
        for feature in range(n_features):
            values = np.unique(X[:, feature])
            thresholds = (values[:-1] + values[1:]) / 2.0
            for threshold in thresholds:
                mask = X[:, feature] <= threshold
                n_left = mask.sum()
                n_right = n_samples - n_left
                if n_left == 0 or n_right == 0:
                    continue
                child = (n_left * self._gini(y[mask]) + n_right * self._gini(y[~mask])) / n_samples
                gain = parent - child
                if gain > best_gain:
                    best_gain = gain
                    best_feature = feature
                    best_threshold = threshold
        return best_feature, best_threshold

    def _grow(self, X, y, depth):
        n_samples = len(y)
        if depth >= self.max_depth or n_samples < self.min_samples_split or len(np.unique(y)) == 1:
            return Node(value=self._leaf_value(y))
        feature, threshold = self._best_split(X, y)
        if feature is None:
            return Node(value=self._leaf_value(y))
        mask = X[:, feature] <= threshold
        left = self._grow(X[mask], y[mask], depth + 1)
        right = self._grow(X[~mask], y[~mask], depth + 1)
        return Node(feature=feature, threshold=threshold, left=left, right=right)

    def _predict_one(self, x):
        node = self.root
        while not node.is_leaf():
            if x[node.feature] <= node.threshold:
                node = node.left
            else:
                node = node.right
        return node.value

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return np.array([self._predict_one(x) for x in X])

    def depth(self, node=None):
        node = self.root if node is None else node
        if node.is_leaf():
            return 0
        return 1 + max(self.depth(node.left), self.depth(node.right))

    def score(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    tree = DecisionTree(max_depth=4).fit(X, y)
    print("train accuracy", tree.score(X, y), "depth", tree.depth())
"##;

    pub(crate) const CART_RENAMED: &str = r##"import numpy as xp


class TreeVertex:
  def __init__(self, col=None, cut=None, lo=None, hi=None, label=None):
    self.col = col
    self.cut = cut
    self.lo = lo
    self.hi = hi
    self.label = label

  def terminal(self):
    return self.label is not None


class Classifier:

  def __init__(self, depth_limit=5, min_split=2, tolerance=0.0):
    self.depth_limit = depth_limit
    self.min_split = min_split
    self.tolerance = tolerance
    self.top = None
    self.k = 0

  def accuracy(self, data, target):
    return float(xp.mean(self.classify(data) == xp.asarray(target)))

  def classify(self, data):
    data = xp.asarray(data, dtype=float)
    return xp.array([self._walk(row) for row in data])

  def _walk(self, row):
    v = self.top
    while not v.terminal():
      if row[v.col] <= v.cut:
        v = v.lo
      else:
        v = v.hi
    return v.label

  def _build(self, data, target, level):
    m = len(target)
    if (level >= self.depth_limit
        or m < self.min_split
        or len(xp.unique(target)) == 1):
      return TreeVertex(label=self._majority(target))
    col, cut = self._search(data, target)
    if col is None:
      return TreeVertex(label=self._majority(target))
    sel = data[:, col] <= cut
    lo = self._build(data[sel], target[sel], level + 1)
    hi = self._build(data[~sel], target[~sel], level + 1)
    return TreeVertex(col=col, cut=cut,
                      lo=lo, hi=hi)

  def train(self, data, target):
    data = xp.asarray(data, dtype=float)
    target = xp.asarray(target, dtype=int)
    self.k = int(target.max()) + 1
    self.top = self._build(data, target, level=0)
    return self

  def _search(self, data, target):
    m, d = data.shape
    base = self._impurity(target)
    top_gain = self.tolerance
    top_col, top_cut = None, None
    for c in range(d):
      u = xp.unique(data[:, c])
      cands = (u[:-1] + u[1:]) / 2.0
      for t in cands:
        sel = data[:, c] <= t
        a = sel.sum()
        b = m - a
        if a == 0 or b == 0:
          continue
        weighted = (a * self._impurity(target[sel])
                    + b * self._impurity(target[~sel])) / m
        g = base - weighted
        if g > top_gain:
          top_gain = g
          top_col = c
          top_cut = t
    return top_col, top_cut

  def _majority(self, target):
    freq = xp.bincount(target, minlength=self.k)
    return int(xp.argmax(freq))

  def _impurity(self, target):
    if len(target) == 0:
      return 0.0
    freq = xp.bincount(target, minlength=self.k)
    q = freq / len(target)
    return 1.0 - xp.sum(q * q)

  def height(self, v=None):
    v = self.top if v is None else v
    if v.terminal():
      return 0
    return 1 + max(self.height(v.lo),
                   self.height(v.hi))


if __name__ == "__main__":
  gen = xp.random.default_rng(0)
  data = gen.normal(size=(200, 4))
  target = (data[:, 0] + data[:, 1] > 0).astype(int)
  model = Classifier(depth_limit=4).train(data, target)
  print("train accuracy", model.accuracy(data, target), "depth", model.height())
"##;

    pub(crate) const TREE_ARRAYS: &str = r##"import numpy as np


def entropy_from_counts(counts):
    total = counts.sum(axis=-1, keepdims=True)
    p = np.where(total > 0, counts / np.maximum(total, 1), 0.0)
    logp = np.log2(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=-1)


class ArrayTree:
    def __init__(self, max_depth=6, min_leaf=1):
        self.max_depth = max_depth
        self.min_leaf = min_leaf

    def fit(self, X, y):
        X = np.asarray(X, float)
        classes, y_idx = np.unique(y, return_inverse=True)
        self.classes_ = classes
        k = len(classes)
        feat, thr, left, right, dist = [], [], [], [], []
        stack = [(np.arange(len(y_idx)), 0, -1, False)]
        while stack:
            idx, depth, parent, is_right = stack.pop()
            node = len(feat)
            feat.append(-1)
            thr.append(0.0)
            left.append(-1)
            right.append(-1)
            dist.append(np.bincount(y_idx[idx], minlength=k))
            if parent >= 0:
                (right if is_right else left)[parent] = node
            if depth == self.max_depth or len(idx) < 2 * self.min_leaf:
                continue
            split = self._scan(X[idx], y_idx[idx], k)
            if split is None:
                continue
            j, t = split
            goes_left = X[idx, j] <= t
            feat[node], thr[node] = j, t
            stack.append((idx[~goes_left], depth + 1, node, True))
            stack.append((idx[goes_left], depth + 1, node, False))
        self.feat = np.array(feat)
        self.thr = np.array(thr)
        self.left = np.array(left)
        self.right = np.array(right)
        self.dist = np.array(dist)
        return self

    def _scan(self, Xs, ys, k):
        n, d = Xs.shape
        onehot = np.eye(k)[ys]
        base = entropy_from_counts(onehot.sum(axis=0))
        best = (0.0, None)
        for j in range(d):
            order = np.argsort(Xs[:, j], kind="stable")
            xs = Xs[order, j]
            cum = np.cumsum(onehot[order], axis=0)
            lc = cum[:-1]
            rc = cum[-1] - lc
            nl = np.arange(1, n)
            h = (nl * entropy_from_counts(lc) + (n - nl) * entropy_from_counts(rc)) / n
            valid = (xs[1:] > xs[:-1]) & (nl >= self.min_leaf) & (n - nl >= self.min_leaf)
            if not valid.any():
                continue
            h = np.where(valid, h, np.inf)
            i = int(np.argmin(h))
            if base - h[i] > best[0]:
                best = (base - h[i], (j, 0.5 * (xs[i] + xs[i + 1])))
        return best[1]

    def _leaves(self, X):
        at = np.zeros(len(X), dtype=int)
        active = self.feat[at] >= 0
        while active.any():
            rows = np.nonzero(active)[0]
            nodes = at[rows]
            go_left = X[rows, self.feat[nodes]] <= self.thr[nodes]
            at[rows] = np.where(go_left, self.left[nodes], self.right[nodes])
            active = self.feat[at] >= 0
        return at

    def predict_proba(self, X):
        d = self.dist[self._leaves(np.asarray(X, float))]
        return d / d.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
"##;

    pub(crate) const TREE_DICTS: &str = r##"import random
from collections import Counter


def gini(rows):
    counts = Counter(row[-1] for row in rows)
    n = float(len(rows))
    return 1.0 - sum((c / n) ** 2 for c in counts.values())


def partition(rows, col, value):
    left, right = [], []
    for row in rows:
        (left if row[col] < value else right).append(row)
    return left, right


def choose_split(rows, n_features):
    best = {"score": float("inf")}
    total = len(rows)
    for col in random.sample(range(len(rows[0]) - 1), n_features):
        for value in sorted({row[col] for row in rows}):
            left, right = partition(rows, col, value)
            if not left or not right:
                continue
            score = (len(left) * gini(left) + len(right) * gini(right)) / total
            if score < best["score"]:
                best = {"col": col, "value": value, "score": score,
                        "groups": (left, right)}
    return best


def to_leaf(rows):
    return {"leaf": Counter(row[-1] for row in rows).most_common(1)[0][0]}


def build(rows, max_depth, min_size, n_features, depth=1):
    split = choose_split(rows, n_features)
    if "groups" not in split:
        return to_leaf(rows)
    left, right = split.pop("groups")
    for side, group in (("left", left), ("right", right)):
        if depth >= max_depth or len(group) <= min_size:
            split[side] = to_leaf(group)
        else:
            split[side] = build(group, max_depth, min_size, n_features, depth + 1)
    return split


def classify(tree, row):
    while "leaf" not in tree:
        tree = tree["left"] if row[tree["col"]] < tree["value"] else tree["right"]
    return tree["leaf"]


def train_tree(X, y, max_depth=5, min_size=1, n_features=None):
    rows = [list(x) + [label] for x, label in zip(X, y)]
    n_features = n_features or len(rows[0]) - 1
    return build(rows, max_depth, min_size, n_features)


def predict(tree, X):
    return [classify(tree, list(x)) for x in X]


def print_tree(tree, indent=""):
    if "leaf" in tree:
        print(indent + "predict", tree["leaf"])
        return
    print(indent + "x[%d] < %.3f" % (tree["col"], tree["value"]))
    print_tree(tree["left"], indent + "  ")
    print_tree(tree["right"], indent + "  ")


if __name__ == "__main__":
    random.seed(1)
    X = [[random.gauss(0, 1) for _ in range(3)] for _ in range(100)]
    y = [int(a + b > 0) for a, b, _ in X]
    tree = train_tree(X, y, max_depth=3)
    print_tree(tree)
    hits = sum(p == t for p, t in zip(predict(tree, X), y))
    print("accuracy", hits / len(y))
"##;

    pub(crate) const KMEANS_NUMPY: &str = r##""""k-means with k-means++ seeding, vectorised with numpy."""
import numpy as np


class KMeans:
    def __init__(self, n_clusters=3, max_iter=300, tol=1e-4, seed=0):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.tol = tol
        self.rng = np.random.default_rng(seed)

    def _init_centers(self, X):
        centers = [X[self.rng.integers(len(X))]]
        for _ in range(1, self.n_clusters):
            d2 = np.min(((X[:, None, :] - np.array(centers)[None]) ** 2).sum(-1), axis=1)
            probs = d2 / d2.sum()
            centers.append(X[self.rng.choice(len(X), p=probs)])
        return np.array(centers)

    def _assign(self, X):
        dists = ((X[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return np.argmin(dists, axis=1), dists

    def fit(self, X):
        X = np.asarray(X, dtype=float)
        self.centers_ = self._init_centers(X)
        for it in range(self.max_iter):
            labels, _ = self._assign(X)
            new = np.array([
                X[labels == j].mean(axis=0) if np.any(labels == j) else self.centers_[j]
                for j in range(self.n_clusters)
            ])
            shift = np.linalg.norm(new - self.centers_)
            self.centers_ = new
            if shift < self.tol:
                break
        self.labels_, dists = self._assign(X)
        self.inertia_ = float(dists[np.arange(len(X)), self.labels_].sum())
        self.n_iter_ = it + 1
        return self

    def predict(self, X):
        return self._assign(np.asarray(X, dtype=float))[0]
"##;

    pub(crate) const KMEANS_PURE: &str = r##"import math
import random


def squared_distance(a, b):
    total = 0.0
    for i in range(len(a)):
        diff = a[i] - b[i]
        total += diff * diff
    return total


def nearest(point, centroids):
    best_index = 0
    best_dist = math.inf
    for index, centroid in enumerate(centroids):
        d = squared_distance(point, centroid)
        if d < best_dist:
            best_dist = d
            best_index = index
    return best_index


def mean_of(points, dim):
    sums = [0.0] * dim
    for p in points:
        for i in range(dim):
            sums[i] += p[i]
    return [s / len(points) for s in sums]


def kmeans(points, k, iterations=100, seed=42):
    random.seed(seed)
    centroids = [list(p) for p in random.sample(points, k)]
    dim = len(points[0])
    assignment = [-1] * len(points)
    for _ in range(iterations):
        changed = False
        for i, p in enumerate(points):
            c = nearest(p, centroids)
            if c != assignment[i]:
                assignment[i] = c
                changed = True
        if not changed:
            break
        clusters = [[] for _ in range(k)]
        for i, p in enumerate(points):
            clusters[assignment[i]].append(p)
        for j in range(k):
            if clusters[j]:
                centroids[j] = mean_of(clusters[j], dim)
    return centroids, assignment


def inertia(points, centroids, assignment):
    return sum(squared_distance(p, centroids[a]) for p, a in zip(points, assignment))
"##;

    pub(crate) const STARTER_HEAD: &str = r##""""Decision tree challenge: implement DecisionTree.fit and DecisionTree.predict.

Do not change the evaluation harness below the class.
"""
import csv
import sys

import numpy as np


def load_dataset(path):
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [[float(value) for value in row] for row in reader]
    data = np.array(rows)
    return header[:-1], data[:, :-1], data[:, -1].astype(int)


def train_test_split(X, y, test_fraction=0.25, seed=7):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    cut = int(len(y) * (1 - test_fraction))
    return X[order[:cut]], X[order[cut:]], y[order[:cut]], y[order[cut:]]


def confusion_matrix(y_true, y_pred, n_classes):
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix


def report(y_true, y_pred):
    n_classes = int(max(np.max(y_true), np.max(y_pred))) + 1
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    accuracy = np.trace(matrix) / matrix.sum()
    print("accuracy: %.4f" % accuracy)
    for label in range(n_classes):
        tp = matrix[label, label]
        precision = tp / max(matrix[:, label].sum(), 1)
        recall = tp / max(matrix[label, :].sum(), 1)
        print("class %d: precision %.3f recall %.3f" % (label, precision, recall))
    return accuracy


"##;

    pub(crate) const STARTER_STUB: &str = r##"class DecisionTree:
    """Your implementation goes here."""

    def __init__(self, max_depth=5):
        self.max_depth = max_depth

    def fit(self, X, y):
        raise NotImplementedError

    def predict(self, X):
        raise NotImplementedError


"##;

    pub(crate) const STARTER_TAIL: &str = r##"def main(argv):
    names, X, y = load_dataset(argv[1])
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model = DecisionTree(max_depth=5)
    model.fit(X_train, y_train)
    return report(y_test, model.predict(X_test))


if __name__ == "__main__":
    main(sys.argv)
"##;
}
