//! What the Model returned, checked row by row against what the challenge needs, with messages that
//! name the problem, count the bad rows and say how to fix it.

use serde_json::Value;

use super::words::{self, offenders};
use crate::challenge::{canonical_label, parse_finite, Challenge, Dataset, Task};

/// Predictions of one set of rows, checked and converted for the metrics.
pub struct Predictions {
    /// Canonical text of each prediction, for the CSV.
    pub text: Vec<String>,
    pub classes: Vec<usize>,
    pub values: Vec<f64>,
    pub proba: Option<Vec<Vec<f64>>>,
}

/// The hidden answers, converted like the predictions.
pub struct Truth {
    pub classes: Vec<usize>,
    pub values: Vec<f64>,
}

impl Predictions {
    /// Checks what `predict` returned for `expected` rows of `which` ("test" or "training").
    pub fn parse(challenge: &Challenge, data: &Dataset, raw: &Value, expected: usize, which: &str) -> Result<Predictions, String> {
        let rows = rows_of("predict", raw, expected, which)?;
        let flat = flatten_predict(rows, expected, which)?;
        let text: Vec<String> = flat.iter().map(value_text).collect();
        let mut p = Predictions { text, classes: Vec::new(), values: Vec::new(), proba: None };
        match challenge.task {
            Task::Classification => p.classes = class_indices(data, &flat, &p.text, which)?,
            Task::Regression => {
                let parsed: Vec<Option<f64>> = flat.iter().map(finite_number).collect();
                let bad: Vec<(usize, String)> = parsed
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_none())
                    .map(|(i, _)| (i, format!("is {}", words::value(&flat[i]))))
                    .collect();
                if !bad.is_empty() {
                    return Err(format!(
                        "{} of {expected} {which} predictions are not finite numbers ({}); predict must return one number per row",
                        bad.len(),
                        offenders(&bad)
                    ));
                }
                p.values = parsed.into_iter().flatten().collect();
            }
            Task::Clustering => {
                let bad: Vec<(usize, String)> = p
                    .text
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.parse::<i64>().is_err())
                    .map(|(i, _)| (i, format!("is {}", words::value(&flat[i]))))
                    .collect();
                if !bad.is_empty() {
                    return Err(format!(
                        "{} of {expected} {which} predictions are not integer cluster ids ({}); predict must return one integer per row",
                        bad.len(),
                        offenders(&bad)
                    ));
                }
                p.classes = cluster_indices(&p.text);
            }
            Task::Custom => return Err("a scored challenge has no predictions to check".into()),
        }
        Ok(p)
    }

    pub fn subset(&self, idx: &[usize]) -> Predictions {
        Predictions {
            text: Vec::new(),
            classes: pick(&self.classes, idx),
            values: pick(&self.values, idx),
            proba: self.proba.as_ref().map(|p| idx.iter().map(|&i| p[i].clone()).collect()),
        }
    }
}

impl Truth {
    pub fn of(task: Task, data: &Dataset, labels: &[String]) -> Result<Truth, String> {
        match task {
            Task::Classification => {
                let classes = labels
                    .iter()
                    .map(|l| data.classes.iter().position(|c| c == l))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("a hidden label is outside the class list")?;
                Ok(Truth { classes, values: vec![] })
            }
            Task::Clustering => Ok(Truth { classes: cluster_indices(labels), values: vec![] }),
            Task::Custom => Err("a scored challenge reached the predict grader".into()),
            Task::Regression => {
                let values = labels
                    .iter()
                    .map(|l| parse_finite(l))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("a hidden regression label is not a number")?;
                Ok(Truth { classes: vec![], values })
            }
        }
    }

    pub fn subset(&self, idx: &[usize]) -> Truth {
        Truth { classes: pick(&self.classes, idx), values: pick(&self.values, idx) }
    }

    /// The stratum of each row for the bootstrap: its class or cluster; one stratum for regression.
    pub fn strata(&self) -> Vec<usize> {
        if self.classes.is_empty() {
            vec![0; self.values.len()]
        } else {
            self.classes.clone()
        }
    }
}

fn pick<T: Copy>(v: &[T], idx: &[usize]) -> Vec<T> {
    if v.is_empty() {
        Vec::new()
    } else {
        idx.iter().map(|&i| v[i]).collect()
    }
}

/// Field of the harness's document that lists the byte lengths of the `.npy` arrays after it.
const ARRAY_LENGTHS: &str = "npy_lengths";

/// The harness's document with its arrays put in place, when it sent any. The harness writes one
/// JSON line whose top-level fields are either JSON or `{"npy": i}`, the `i`th of the `.npy` arrays
/// that follow the line back to back (their lengths under [`ARRAY_LENGTHS`]); numbers come back in
/// binary, so a hundred thousand predictions cost no text formatting or parsing. `None` for a plain
/// JSON document (a scored challenge's own harness writes those), which the caller reads as before.
pub fn with_arrays(result: &[u8]) -> Result<Option<Value>, String> {
    let mut documents = serde_json::Deserializer::from_slice(result).into_iter::<Value>();
    let Some(Ok(Value::Object(mut fields))) = documents.next() else { return Ok(None) };
    let Some(lengths) = fields.remove(ARRAY_LENGTHS) else { return Ok(None) };
    let lengths: Vec<usize> = serde_json::from_value(lengths).map_err(|e| format!("{ARRAY_LENGTHS}: {e}"))?;
    let tail = &result[documents.byte_offset()..];
    let mut rest = tail.strip_prefix(b"\n").ok_or("no line break after the document")?;
    let mut arrays = Vec::with_capacity(lengths.len());
    for (i, &len) in lengths.iter().enumerate() {
        if len > rest.len() {
            return Err(format!("array {i} is cut short: {} of {len} bytes", rest.len()));
        }
        let (array, after) = rest.split_at(len);
        arrays.push(Some(array));
        rest = after;
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the last array", rest.len()));
    }
    for (name, value) in fields.iter_mut() {
        let Some(i) = value.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("npy")).and_then(Value::as_u64) else { continue };
        let array = arrays.get_mut(i as usize).and_then(Option::take).ok_or_else(|| format!("{name} names a missing array {i}"))?;
        *value = crate::npy::read_as_json(array).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(Some(Value::Object(fields)))
}

/// Why `raw` is not one value for each of `expected` rows.
pub fn count_problem(method: &str, raw: &Value, expected: usize, which: &str) -> String {
    match rows_of(method, raw, expected, which) {
        Err(problem) => problem,
        Ok(_) => format!("{method} returned the wrong number of rows for {expected} {which} rows"),
    }
}

/// How many probe rows (near-copies of test row `i`) got the prediction test row `i` got: the same
/// label or cluster, or for regression a value within a tenth of the predictions' spread. An
/// unreadable probe prediction counts as disagreeing.
pub fn probe_agreement(challenge: &Challenge, data: &Dataset, test: &Predictions, probes: &[(usize, Value)]) -> usize {
    let values = Value::Array(probes.iter().map(|(_, v)| v.clone()).collect());
    let Ok(answers) = Predictions::parse(challenge, data, &values, probes.len(), "test") else { return 0 };
    let tolerance = 0.1 * super::interval::sample_sd(&test.values).unwrap_or(0.0);
    probes
        .iter()
        .enumerate()
        .filter(|&(j, &(i, _))| match challenge.task {
            Task::Regression => (answers.values[j] - test.values[i]).abs() <= tolerance,
            _ => answers.text[j] == test.text[i],
        })
        .count()
}

/// The returned value as a list of `expected` rows.
fn rows_of<'a>(method: &str, raw: &'a Value, expected: usize, which: &str) -> Result<&'a [Value], String> {
    match raw {
        Value::Array(rows) if rows.len() == expected => Ok(rows),
        Value::Array(rows) => Err(format!("{method} returned {} rows for {expected} {which} rows; it must return one per row", rows.len())),
        other => Err(format!(
            "{method} returned a single value ({}) instead of one per row; return an array of {expected} values",
            words::value(other)
        )),
    }
}

/// One value per row: a column vector (n, 1) is accepted as it is; a wider 2-D array is not.
fn flatten_predict(rows: &[Value], expected: usize, which: &str) -> Result<Vec<Value>, String> {
    let widths: Vec<usize> = rows.iter().filter_map(|v| v.as_array().map(Vec::len)).collect();
    if widths.is_empty() {
        return Ok(rows.to_vec());
    }
    if widths.len() == rows.len() && widths.iter().all(|&w| w == 1) {
        return Ok(rows.iter().map(|v| v[0].clone()).collect());
    }
    let width = widths.iter().copied().max().unwrap_or(0);
    Err(format!(
        "predict returned a 2-D array of shape ({expected}, {width}) for the {which} rows; it must return one label per row, shape ({expected},). \
         If those columns are class probabilities, return them from predict_proba and the most likely class from predict"
    ))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => canonical_label(s),
        Value::Number(n) => canonical_label(&n.to_string()),
        other => other.to_string(),
    }
}

fn finite_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => parse_finite(s),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Each prediction's class index, or a message that counts the predictions outside the label set and
/// says what they look like.
fn class_indices(data: &Dataset, flat: &[Value], text: &[String], which: &str) -> Result<Vec<usize>, String> {
    let numeric = data.classes.iter().all(|c| parse_finite(c).is_some());
    let mut classes = Vec::with_capacity(text.len());
    let mut bad = Vec::new();
    for (i, t) in text.iter().enumerate() {
        match data.classes.iter().position(|c| c == t) {
            Some(idx) => classes.push(idx),
            None => bad.push(i),
        }
    }
    if bad.is_empty() {
        return Ok(classes);
    }
    let labels = data.classes.iter().map(|c| words::label(c, numeric)).collect::<Vec<_>>().join(", ");
    let listed: Vec<(usize, String)> = bad.iter().map(|&i| (i, format!("is {}", words::value(&flat[i])))).collect();
    let values: Vec<Option<f64>> = bad.iter().map(|&i| finite_number(&flat[i])).collect();
    let hint = if bad.iter().any(|&i| finite_number(&flat[i]).is_none() && matches!(&flat[i], Value::String(s) if s == "nan")) {
        "NaN is not a label: make sure every row gets a class".to_owned()
    } else if numeric && values.iter().all(|v| v.is_some_and(|p| (0.0..=1.0).contains(&p))) {
        "these look like probabilities: predict must return class labels (for example the class with the highest probability), and predict_proba the probabilities".to_owned()
    } else if numeric && bad.iter().all(|&i| flat[i].is_string()) {
        "the labels are numbers, but predict returned text: return labels of the same type as y".to_owned()
    } else if !numeric && bad.iter().all(|&i| flat[i].is_number()) {
        "the labels are text, but predict returned numbers: return labels of the same type as y (for example self.classes_[index])".to_owned()
    } else {
        "predict must return one of the labels seen in y for every row".to_owned()
    };
    Err(format!(
        "{} of {} {which} predictions are not one of the labels {labels} ({}); {hint}",
        bad.len(),
        text.len(),
        offenders(&listed)
    ))
}

/// Checks `predict_proba` output: one row per sample, one column per class in the order of
/// `np.unique(y)`, finite values in [0, 1] that sum to 1. The message counts every bad row.
pub fn parse_proba(raw: &Value, n: usize, classes: &[String], which: &str) -> Result<Vec<Vec<f64>>, String> {
    let k = classes.len();
    let rows = rows_of("predict_proba", raw, n, which)?;
    if rows.iter().all(|v| !v.is_array()) {
        let example = if k == 2 { " (for two classes, np.column_stack([1 - p, p]))" } else { "" };
        return Err(format!(
            "predict_proba returned a 1-D array of {n} values for the {which} rows; it must return one column per class, shape ({n}, {k}), in the order of np.unique(y){example}"
        ));
    }
    let mut out = Vec::with_capacity(n);
    let (mut wrong_width, mut outside, mut wrong_sum) = (Vec::new(), Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let cells = row.as_array().map(Vec::as_slice).unwrap_or(&[]);
        if cells.len() != k {
            wrong_width.push((i, format!("has {} columns", cells.len())));
            continue;
        }
        let probs: Vec<Option<f64>> = cells.iter().map(finite_number).collect();
        if let Some(bad) = cells.iter().zip(&probs).find(|(_, p)| !p.is_some_and(|p| (0.0..=1.0).contains(&p))) {
            outside.push((i, format!("holds {}", words::value(bad.0))));
            continue;
        }
        let probs: Vec<f64> = probs.into_iter().flatten().collect();
        let sum: f64 = probs.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            wrong_sum.push((i, format!("sums to {}", words::number(sum))));
            continue;
        }
        out.push(probs);
    }
    if !wrong_width.is_empty() {
        return Err(format!(
            "{} of {n} {which} rows of predict_proba do not have one column per class ({k}: {}) ({})",
            wrong_width.len(),
            classes.join(", "),
            offenders(&wrong_width)
        ));
    }
    if !outside.is_empty() {
        return Err(format!(
            "{} of {n} {which} rows of predict_proba hold a value outside [0, 1] or not a number ({})",
            outside.len(),
            offenders(&outside)
        ));
    }
    if !wrong_sum.is_empty() {
        return Err(format!(
            "{} of {n} {which} rows of predict_proba do not sum to 1 ({}); normalise each row",
            wrong_sum.len(),
            offenders(&wrong_sum)
        ));
    }
    Ok(out)
}

/// Numbers cluster ids by first appearance: only which rows share a cluster matters.
pub fn cluster_indices(ids: &[String]) -> Vec<usize> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    ids.iter()
        .map(|id| {
            let next = seen.len();
            *seen.entry(id.as_str()).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classes() -> Vec<String> {
        vec!["0".into(), "1".into()]
    }

    #[test]
    fn a_one_dimensional_predict_proba_is_named_with_the_shape_it_needs() {
        let err = parse_proba(&json!([0.2, 0.9, 0.4]), 3, &classes(), "test").unwrap_err();
        assert!(err.contains("1-D array of 3 values") && err.contains("shape (3, 2)") && err.contains("column_stack"), "{err}");
    }

    #[test]
    fn every_bad_probability_row_is_counted() {
        let rows: Vec<Value> = (0..79).map(|_| json!([0.5, 0.4])).chain((0..21).map(|_| json!([0.5, 0.5]))).collect();
        let err = parse_proba(&Value::Array(rows), 100, &classes(), "test").unwrap_err();
        assert!(err.starts_with("79 of 100 test rows of predict_proba do not sum to 1"), "{err}");
        assert!(err.contains("row 0 sums to 0.9") && err.contains("and 76 more"), "{err}");
        let tiny = parse_proba(&json!([[6.366e-35, 0.3]]), 1, &classes(), "test").unwrap_err();
        assert!(tiny.contains("sums to 0.3"), "{tiny}");
    }

    fn frame(document: Value, arrays: &[Vec<u8>]) -> Vec<u8> {
        let mut out = document.to_string().into_bytes();
        out.push(b'\n');
        for a in arrays {
            out.extend_from_slice(a);
        }
        out
    }

    #[test]
    fn arrays_after_the_document_take_their_places() {
        let n = 100_000;
        let values: Vec<f64> = (0..n).map(|i| (i % 7) as f64 + 0.5).collect();
        let proba: Vec<f64> = (0..n).flat_map(|i| if i % 3 == 0 { [0.25, 0.75] } else { [1.0, 0.0] }).collect();
        let arrays = [crate::npy::f64_matrix(&values, n, 1), crate::npy::f64_matrix(&proba, n, 2)];
        let document = json!({"test": {"npy": 0}, "test_proba": {"npy": 1}, "train": [1, 2], "cv_score": 0.5, "npy_lengths": [arrays[0].len(), arrays[1].len()]});
        let read = with_arrays(&frame(document, &arrays)).unwrap().unwrap();
        assert_eq!(read["train"], json!([1, 2]));
        assert_eq!(read["cv_score"], json!(0.5));
        assert!(read.get("npy_lengths").is_none());
        let test = read["test"].as_array().unwrap();
        assert_eq!(test.len(), n);
        assert_eq!(test[99_999], json!([values[99_999]]));
        let rows = flatten_predict(test, n, "test").unwrap();
        assert_eq!(rows[12], json!(5.5));
        let p = parse_proba(&read["test_proba"], n, &classes(), "test").unwrap();
        assert_eq!((p.len(), p[3].clone(), p[4].clone()), (n, vec![0.25, 0.75], vec![1.0, 0.0]));
    }

    #[test]
    fn a_plain_document_is_left_to_the_caller_and_a_broken_frame_is_refused() {
        assert_eq!(with_arrays(br#"{"test": [1], "train": [1]}"#).unwrap(), None);
        assert_eq!(with_arrays(b"not json").unwrap(), None);
        let array = crate::npy::f64_matrix(&[1.0, 2.0], 2, 1);
        let claims = |len: usize| json!({"test": {"npy": 0}, "npy_lengths": [len]});
        let short = frame(claims(array.len() + 1), &[array.clone()]);
        assert!(with_arrays(&short).unwrap_err().contains("cut short"), "{:?}", with_arrays(&short));
        let long = frame(claims(array.len() - 1), &[array.clone()]);
        assert!(with_arrays(&long).unwrap_err().contains("after the last array"));
        let missing = frame(json!({"test": {"npy": 1}, "npy_lengths": [array.len()]}), &[array]);
        assert!(with_arrays(&missing).unwrap_err().contains("missing array 1"));
    }

    #[test]
    fn a_two_dimensional_predict_is_wrong_output_with_its_shape() {
        let err = flatten_predict(&[json!([0.1, 0.9]), json!([0.8, 0.2])], 2, "test").unwrap_err();
        assert!(err.contains("2-D array of shape (2, 2)") && err.contains("predict_proba"), "{err}");
        assert_eq!(flatten_predict(&[json!([1]), json!([0])], 2, "test").unwrap(), vec![json!(1), json!(0)]);
    }
}
