//! Probe rows: a few perturbed near-copies of test rows hidden among the test rows the sandbox gets.
//!
//! They are unscored and look like any other row (same columns, same number formats, shuffled in).
//! A model answers a near-copy like its original; code that looks rows up in a table it brought
//! cannot find the copies, so its answers to them disagree. Only columns that hold decimals are
//! moved, by a small fraction of their spread, so categorical and count columns keep their meaning.

use serde_json::Value;

use crate::challenge::{side_by_side, NumericFeatures, Table};
use crate::grading::interval::sample_sd;
use crate::grading::splitmix64;

/// How far a probe moves each continuous feature, in training standard deviations.
const NUDGE: f64 = 0.02;

/// Where each row of the test file given to the sandbox came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Row {
    Test(usize),
    /// A near-copy of this test row.
    Probe(usize),
}

/// The order of the rows the sandbox sees: every test row once, and the probes among them.
#[derive(Debug, Clone)]
pub struct ProbeLayout {
    rows: Vec<Row>,
}

impl ProbeLayout {
    /// The test rows as they are, no probes.
    pub fn none(n: usize) -> ProbeLayout {
        ProbeLayout { rows: (0..n).map(Row::Test).collect() }
    }

    /// How many rows the sandbox sees.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// For each row the sandbox sees, in order: the test row it is, or `None` for a probe.
    pub fn origins(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        self.rows.iter().map(|row| match *row {
            Row::Test(i) => Some(i),
            Row::Probe(_) => None,
        })
    }

    pub fn probes(&self) -> usize {
        self.rows.iter().filter(|r| matches!(r, Row::Probe(_))).count()
    }

    /// Splits one value per seen row into the test rows' values in their original order and each
    /// probe's (original row, value). `None` when the count does not match.
    pub fn split(&self, values: &Value) -> Option<(Value, Vec<(usize, Value)>)> {
        let items = values.as_array().filter(|a| a.len() == self.rows.len())?;
        let n = self.rows.len() - self.probes();
        let mut test = vec![Value::Null; n];
        let mut probes = Vec::new();
        for (row, v) in self.rows.iter().zip(items) {
            match *row {
                Row::Test(i) => test[i] = v.clone(),
                Row::Probe(i) => probes.push((i, v.clone())),
            }
        }
        Some((Value::Array(test), probes))
    }
}

/// The test features with probes shuffled in, and where each row came from. `train` (features, with
/// or without the label column) gives each column's spread. No probes when the table has too few
/// rows or no continuous column.
pub fn with_probes(test: &Table, train: &Table, numeric: Option<&NumericFeatures>, seed: u64) -> (Table, ProbeLayout) {
    let n = test.rows.len();
    let continuous = continuous_columns(test, train, numeric);
    if n < 20 || continuous.is_empty() {
        return (test.clone(), ProbeLayout::none(n));
    }
    let mut state = seed ^ 0x7072_6f62_6573_2121;
    let count = (n / 10).clamp(20, 50);
    let mut originals: Vec<usize> = (0..n).collect();
    shuffle(&mut originals, &mut state);
    originals.truncate(count);
    let mut rows: Vec<Row> = (0..n).map(Row::Test).chain(originals.iter().map(|&i| Row::Probe(i))).collect();
    shuffle(&mut rows, &mut state);
    let table_rows = rows
        .iter()
        .map(|row| match *row {
            Row::Test(i) => test.rows[i].clone(),
            Row::Probe(i) => nudged(&test.rows[i], &continuous, &mut state),
        })
        .collect();
    (Table { columns: test.columns.clone(), rows: table_rows }, ProbeLayout { rows })
}

/// The test table's continuous columns as (column, decimals shown, training spread). Every cell is
/// read, so the columns are split over two threads: a large table takes most of a second. The
/// training features already parsed (numpy input) give the spread without reading their text again.
fn continuous_columns(test: &Table, train: &Table, numeric: Option<&NumericFeatures>) -> Vec<(usize, usize, f64)> {
    let column = |c: usize| {
        let decimals = match numeric {
            Some(numeric) => decimals(test.rows.iter().enumerate().map(|(i, r)| (r[c].as_str(), Some(numeric.test_row(i)[c])))),
            None => decimals(test.rows.iter().map(|r| (r[c].as_str(), None))),
        }?;
        let spread = match numeric {
            Some(numeric) => spread_of(numeric.train_column(c)),
            None => {
                let t = train.columns.iter().position(|x| *x == test.columns[c])?;
                spread_of(train.rows.iter().filter_map(|r| r[t].trim().parse::<f64>().ok()))
            }
        };
        Some((c, decimals, spread?))
    };
    let half = test.columns.len() / 2;
    let (mut found, second): (Vec<_>, Vec<_>) =
        side_by_side(|| (0..half).filter_map(column).collect(), || (half..test.columns.len()).filter_map(column).collect());
    found.extend(second);
    found
}

/// The most decimals any cell of a column shows, when every non-empty cell is a number and some show
/// decimals; `None` for text, integer and empty columns. Each cell comes with its value when it is
/// already parsed.
fn decimals<'a>(cells: impl Iterator<Item = (&'a str, Option<f64>)>) -> Option<usize> {
    let mut most = 0;
    for (cell, parsed) in cells.map(|(c, v)| (c.trim(), v)).filter(|(c, _)| !c.is_empty()) {
        let v = match parsed {
            Some(v) => v,
            None => cell.parse::<f64>().ok()?,
        };
        // One pass over the bytes: a character search per cell costs more than the parse.
        let (mut point, mut exponent) = (None, false);
        for (i, b) in cell.bytes().enumerate() {
            match b {
                b'.' if point.is_none() => point = Some(i),
                b'e' | b'E' => exponent = true,
                _ => {}
            }
        }
        if !v.is_finite() || exponent {
            return None;
        }
        most = most.max(point.map_or(0, |at| cell.len() - at - 1));
    }
    (most > 0).then_some(most)
}

/// The sample standard deviation of the finite values, when it is above zero.
fn spread_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    sample_sd(&values).filter(|&sd| sd > 0.0)
}

/// A copy of `row` with each continuous cell moved by a small Gaussian step, written with the
/// column's decimals and never left equal to the original.
fn nudged(row: &[String], continuous: &[(usize, usize, f64)], state: &mut u64) -> Vec<String> {
    let mut out = row.to_vec();
    for &(c, decimals, sd) in continuous {
        let Ok(v) = row[c].trim().parse::<f64>() else { continue };
        let unit = 10f64.powi(-(decimals as i32));
        let mut moved = ((v + gaussian(state) * NUDGE * sd) / unit).round() * unit;
        if (moved - v).abs() < unit / 2.0 {
            moved = v + if splitmix64(state) % 2 == 0 { unit } else { -unit };
        }
        out[c] = tidy(format!("{moved:.decimals$}"));
    }
    out
}

/// Drops trailing zeros after the point, as the data files write numbers.
fn tidy(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn uniform(state: &mut u64) -> f64 {
    ((splitmix64(state) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A standard normal draw (Box–Muller).
fn gaussian(state: &mut u64) -> f64 {
    (-2.0 * uniform(state).ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform(state)).cos()
}

fn shuffle<T>(items: &mut [T], state: &mut u64) {
    for i in (1..items.len()).rev() {
        let j = (splitmix64(state) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize) -> Table {
        Table {
            columns: vec!["id".into(), "x".into(), "kind".into()],
            rows: (0..n).map(|i| vec![i.to_string(), format!("{}.{}", i, i % 10), if i % 2 == 0 { "a" } else { "b" }.into()]).collect(),
        }
    }

    #[test]
    fn probes_are_near_copies_of_test_rows_hidden_among_them() {
        let test = table(200);
        let (seen, layout) = with_probes(&test, &test, None, 7);
        assert_eq!(layout.probes(), 20);
        assert_eq!(seen.rows.len(), 220);
        let values = Value::Array((0..220).map(|i| Value::from(i as u64)).collect());
        let (original, probes) = layout.split(&values).unwrap();
        assert_eq!(original.as_array().unwrap().len(), 200);
        assert_eq!(probes.len(), 20);
        for (orig, v) in probes {
            let row = &seen.rows[v.as_u64().unwrap() as usize];
            let source = &test.rows[orig];
            assert_eq!(row[0], source[0], "integer columns stay");
            assert_eq!(row[2], source[2], "text columns stay");
            assert_ne!(row[1], source[1], "continuous columns move");
            let (a, b): (f64, f64) = (row[1].parse().unwrap(), source[1].parse().unwrap());
            assert!((a - b).abs() < 5.0, "a small step: {a} vs {b}");
            assert!(row[1].split_once('.').map_or(0, |(_, d)| d.len()) <= 1, "the column's decimals: {}", row[1]);
        }
        for (i, v) in original.as_array().unwrap().iter().enumerate() {
            assert_eq!(seen.rows[v.as_u64().unwrap() as usize], test.rows[i], "test rows come back in order");
        }
    }

    #[test]
    fn no_probes_without_a_continuous_column_or_rows_enough() {
        let mut ints = table(100);
        for r in &mut ints.rows {
            r[1] = "3".into();
        }
        assert_eq!(with_probes(&ints, &ints, None, 1).1.probes(), 0);
        assert_eq!(with_probes(&table(10), &table(10), None, 1).1.probes(), 0);
    }

    #[test]
    fn parsed_training_features_give_the_probes_their_text_gives() {
        let numeric_table = |n: usize| Table {
            columns: vec!["x".into(), "y".into()],
            rows: (0..n).map(|i| vec![format!("{}.{}", i % 17, i % 10), format!("{:.2}", (i as f64).sqrt())]).collect(),
        };
        let (train, test) = (numeric_table(300), numeric_table(120));
        let numeric = NumericFeatures::parse_for_tests(&train, &test);
        let (by_text, layout_text) = with_probes(&test, &train, None, 11);
        let (by_numbers, layout_numbers) = with_probes(&test, &train, Some(&numeric), 11);
        assert!(layout_text.probes() > 0);
        assert_eq!(by_text.rows, by_numbers.rows);
        assert_eq!(layout_text.origins().collect::<Vec<_>>(), layout_numbers.origins().collect::<Vec<_>>());
        let seen: Vec<Option<usize>> = layout_text.origins().collect();
        for (row, origin) in by_text.rows.iter().zip(&seen) {
            if let Some(i) = origin {
                assert_eq!(row, &test.rows[*i], "a test row is sent as it is");
            }
        }
    }
}
