//! The data path across the sandbox boundary: what the candidate's Model receives (numpy input now
//! travels as .npy arrays, pandas input as CSV for pandas' reader) must be exactly what the CSV route
//! gave, predictions must come back whole at scale, and a one-shot `grade` must touch only the
//! challenge it grades.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::helpers::{repo, until_no_container};

/// Runs `mlgrade grade` on `file` against the challenge folder `challenges`.
fn grade(challenges: &Path, data: &Path, slug: &str, file: &Path) -> Result<Value, String> {
    grade_process(challenges, data, slug, file).0
}

/// Runs `mlgrade grade` and gives its report and its process id.
fn grade_process(challenges: &Path, data: &Path, slug: &str, file: &Path) -> (Result<Value, String>, u32) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mlgrade"))
        .arg("--challenges")
        .arg(challenges)
        .arg("--data-dir")
        .arg(data)
        .arg("--runtimes")
        .arg(repo().join("docker/runtimes"))
        .args(["grade", "--challenge", slug])
        .arg(file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return (Err(String::from_utf8_lossy(&out.stderr).into_owned()), pid);
    }
    (Ok(serde_json::from_slice(&out.stdout).unwrap()), pid)
}

/// A classification challenge in `root/slug` with the given hidden files (label column `label`) and
/// `solution` as its reference.
fn write_challenge(root: &Path, slug: &str, input: &str, train: &str, test: &str, solution: &str) -> PathBuf {
    let dir = root.join(slug);
    for sub in ["hidden", "public", "reference"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let manifest = format!(
        r#"title = "Data path {slug}"
summary = "Checks what the Model receives"
runtime = "python-numpy"
kind = "predict"
task = "classification"
hidden_labels_public = false

[interface]
entry = "solution.py"
input = "{input}"

[limits]
time_seconds = 30
memory_mb = 512
cpus = 1.0
pids = 32
tmpfs_mb = 64

[data]
train = "hidden/train.csv"
test = "hidden/test.csv"
label = "label"
public_sample = "public/sample.csv"
public_fraction = 0.5
split_seed = 3

[grading]
metric = "accuracy"
zero = 0.5
full = 1.0
max_gap = 0.5

[reference]
solution = "reference/solution.py"
expected_score = 0
"#
    );
    std::fs::write(dir.join("challenge.toml"), manifest).unwrap();
    std::fs::write(dir.join("README.md"), "# Data path\n").unwrap();
    std::fs::write(dir.join("solution.py"), solution).unwrap();
    std::fs::write(dir.join("reference/solution.py"), solution).unwrap();
    std::fs::write(dir.join("public/sample.csv"), train).unwrap();
    std::fs::write(dir.join("hidden/train.csv"), train).unwrap();
    std::fs::write(dir.join("hidden/test.csv"), test).unwrap();
    dir
}

/// Numeric cells in every spelling Python's `float` and the service both accept, NaN and infinities
/// among them, and labels that read as integers only after trimming.
const NUMPY_TRAIN: &str = "a,b,c,label\n\
1,0.1,1e3,0\n\
 2 ,-0,nan,1\n\
+4.5,1E-3,inf,1\n\
-inf,123456789.123456789,0.30000000000000004,0\n\
7,8,9, 1\n\
0.5,0.25,-0.125,0\n\
3,3,3,1\n";
const NUMPY_TEST: &str = "a,b,c,label\n\
3,2,1,1\n\
nan,0.7,-7,0\n\
1e-300,5e300,2,1\n\
9,9,9,0\n\
0,0,0,1\n\
6,5,4,0\n";

/// A Model that rebuilds what the CSV route gave (the harness's former reader, kept here verbatim)
/// from the very files the service holds, and fails the run when what it received differs in any
/// value, shape, dtype or memory layout. It predicts five of the six test labels right, with
/// probabilities.
fn numpy_solution() -> String {
    format!(
        r#"import csv, io
import numpy as np

TRAIN = {train:?}
TEST = {test:?}


def parse_labels(cells):
    for cast in (int, float):
        try:
            return [cast(c) for c in cells]
        except ValueError:
            pass
    return cells


def csv_route(text, label):
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1:]
    at = header.index("label")
    x = np.array([[float(c) for i, c in enumerate(r) if i != at] for r in rows], dtype=float)
    y = np.array(parse_labels([r[at] for r in rows]))
    return x, y


def same(got, want, what):
    assert isinstance(got, np.ndarray), f"{{what}} is {{type(got)}}"
    assert got.dtype == want.dtype, f"{{what}} dtype {{got.dtype}} != {{want.dtype}}"
    assert got.shape == want.shape, f"{{what}} shape {{got.shape}} != {{want.shape}}"
    assert got.flags.c_contiguous and got.flags.writeable, f"{{what}} layout"
    same_bits = got.tobytes() == want.tobytes() if got.dtype.kind == "f" else got.tolist() == want.tolist()
    assert same_bits, f"{{what}} differs: {{got!r}} != {{want!r}}"


class Model:
    def __init__(self, **params):
        pass

    def fit(self, X, y):
        want_x, want_y = csv_route(TRAIN, "label")
        same(X, want_x, "X_train")
        same(y, want_y, "y_train")
        print("fit saw the CSV route's arrays")
        return self

    def predict(self, X):
        if len(X) == 6:
            same(X, csv_route(TEST, "label")[0], "X_test")
            return np.array([1, 0, 1, 0, 1, 1])
        return np.zeros(len(X), dtype=np.int64)

    def predict_proba(self, X):
        p = self.predict(X).astype(float) * 0.5 + 0.25
        return np.column_stack([1 - p, p])
"#,
        train = NUMPY_TRAIN,
        test = NUMPY_TEST,
    )
}

#[tokio::test]
async fn numpy_input_arrives_exactly_as_the_csv_route_gave_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("challenges");
    let challenge = write_challenge(&root, "numpy-path", "numpy", NUMPY_TRAIN, NUMPY_TEST, &numpy_solution());
    let (report, pid) = grade_process(&root, &dir.path().join("data"), "numpy-path", &challenge.join("solution.py"));
    let report = report.unwrap();
    // The command exits with its result and leaves its containers to the engine, which removes them
    // as they stop: the reference's runs, the solution's, and any started ahead.
    let pid = pid.to_string();
    until_no_container(|labels| labels.get("mlgrade.cli-pid") == Some(&pid), std::time::Duration::from_secs(15)).await;
    assert_eq!(report["verdict"], "accepted", "{report:#}");
    assert!(report["log"].as_str().unwrap().contains("fit saw the CSV route's arrays"), "{report:#}");
    let test = report["overfitting"]["test_metric"].as_f64().unwrap();
    assert!((test - 5.0 / 6.0).abs() < 1e-12, "five of six right: {report:#}");
    assert_eq!(report["notes"], serde_json::json!([]), "the probabilities were read: {report:#}");

    // The same check fails when the arrays differ: a changed cell in the Model's copy of the file.
    let altered = numpy_solution().replacen("0.5,0.25,-0.125,0", "0.5,0.25,-0.12500001,0", 1);
    let file = dir.path().join("altered.py");
    std::fs::write(&file, altered).unwrap();
    let report = grade(&root, &dir.path().join("data"), "numpy-path", &file).unwrap();
    assert_eq!(report["verdict"], "runtime_error", "{report:#}");
    assert!(report["log"].as_str().unwrap().contains("X_train differs"), "{report:#}");
}

/// Integers with a gap, floats with NA spellings, text categories with missing cells, booleans.
const PANDAS_TRAIN: &str = "age,income,city,member,label\n\
34,52000.5,Paris,True,yes\n\
,48000,,False,no\n\
51,NA,Lyon,True,yes\n\
29,61000.25,Paris,False,no\n\
40,,N/A,True,yes\n\
38,39000,Nice,False,no\n";
const PANDAS_TEST: &str = "age,income,city,member,label\n\
45,,Lyon,True,yes\n\
,70000,Paris,False,no\n\
33,NaN,,True,yes\n\
27,42000.75,Nice,False,no\n";

fn pandas_solution() -> String {
    format!(
        r#"import io
import numpy as np
import pandas as pd

TRAIN = {train:?}
TEST = {test:?}


class Model:
    def __init__(self, **params):
        pass

    def fit(self, X, y):
        want = pd.read_csv(io.StringIO(TRAIN))
        want_y = want.pop("label")
        pd.testing.assert_frame_equal(X, want, check_exact=True)
        pd.testing.assert_series_equal(y, want_y, check_exact=True)
        assert X["city"].isna().sum() == 2 and X["age"].dtype == np.float64, X.dtypes
        print("fit saw the CSV route's frames")
        return self

    def predict(self, X):
        if len(X) == 4:
            want = pd.read_csv(io.StringIO(TEST)).drop(columns="label")
            pd.testing.assert_frame_equal(X, want, check_exact=True)
            return np.array(["yes", "no", "yes", "yes"], dtype=object)
        return np.array(["no"] * len(X), dtype=object)
"#,
        train = PANDAS_TRAIN,
        test = PANDAS_TEST,
    )
}

#[tokio::test]
async fn pandas_input_keeps_its_types_and_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("challenges");
    let challenge = write_challenge(&root, "pandas-path", "pandas", PANDAS_TRAIN, PANDAS_TEST, &pandas_solution());
    let report = grade(&root, &dir.path().join("data"), "pandas-path", &challenge.join("solution.py")).unwrap();
    assert_eq!(report["verdict"], "accepted", "{report:#}");
    assert!(report["log"].as_str().unwrap().contains("fit saw the CSV route's frames"), "{report:#}");
    let test = report["overfitting"]["test_metric"].as_f64().unwrap();
    assert!((test - 0.75).abs() < 1e-12, "three of four right: {report:#}");
}

/// Rows of a two-feature problem whose label is `x0 > 0` except on every seventh row.
fn large_table(rows: usize, seed: u64) -> String {
    let mut text = String::from("x0,x1,label\n");
    let mut state = seed;
    for i in 0..rows {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let x0 = ((state >> 33) % 20001) as f64 / 1000.0 - 10.0;
        let x1 = ((state >> 13) % 1000) as f64 / 100.0;
        let label = u8::from(x0 > 0.0) ^ u8::from(i % 7 == 0);
        text.push_str(&format!("{x0:.3},{x1:.2},{label}\n"));
    }
    text
}

const THRESHOLD_SOLUTION: &str = r#"import numpy as np

class Model:
    def __init__(self, **params):
        pass

    def fit(self, X, y):
        return self

    def predict(self, X):
        return (X[:, 0] > 0).astype(np.int64)

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-X[:, 0]))
        return np.column_stack([1 - p, p])
"#;

#[tokio::test]
async fn large_predictions_come_back_whole_and_are_graded_right() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("challenges");
    let rows = 5_000;
    let test = large_table(rows, 2);
    let challenge = write_challenge(&root, "large-path", "numpy", &large_table(2_000, 1), &test, THRESHOLD_SOLUTION);
    let report = grade(&root, &dir.path().join("data"), "large-path", &challenge.join("solution.py")).unwrap();
    assert_eq!(report["verdict"], "accepted", "{report:#}");
    // Every seventh row's label is flipped, so the threshold misses exactly those.
    let want = 1.0 - (rows.div_ceil(7)) as f64 / rows as f64;
    let got = report["overfitting"]["test_metric"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    assert!(report["metrics"]["roc_auc"].as_f64().is_some(), "the probabilities were read: {report:#}");
    let probes = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "probe_consistency").cloned();
    assert!(probes.is_some_and(|c| c["flagged"] == false), "{report:#}");
}

#[tokio::test]
async fn grade_reads_and_prepares_only_the_challenge_it_grades() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("challenges");
    let data = dir.path().join("data");
    let good = write_challenge(&root, "good", "numpy", &large_table(200, 3), &large_table(60, 4), THRESHOLD_SOLUTION);
    // A neighbour with a broken manifest, and one whose data generator always fails.
    std::fs::create_dir_all(root.join("broken")).unwrap();
    std::fs::write(root.join("broken/challenge.toml"), "title = \"no closing quote\n").unwrap();
    let generated = write_challenge(&root, "failing-generator", "numpy", &large_table(50, 5), &large_table(20, 6), THRESHOLD_SOLUTION);
    let manifest = std::fs::read_to_string(generated.join("challenge.toml")).unwrap();
    let manifest = manifest
        .replace("train = \"hidden/train.csv\"", "generator = \"generate.py\"\ntrain = \"generated/train.csv\"")
        .replace("test = \"hidden/test.csv\"", "test = \"generated/test.csv\"");
    std::fs::write(generated.join("challenge.toml"), manifest).unwrap();
    std::fs::write(generated.join("generate.py"), "raise SystemExit('this generator always fails')\n").unwrap();

    let report = grade(&root, &data, "good", &good.join("solution.py")).unwrap();
    assert_eq!(report["verdict"], "accepted", "{report:#}");
    assert!(!data.join("generated").exists(), "no generator ran for a grade of another challenge");

    // Each neighbour fails on its own grade, with its own problem.
    let broken = grade(&root, &data, "broken", &good.join("solution.py")).unwrap_err();
    assert!(broken.contains("challenge.toml"), "{broken}");
    let failing = grade(&root, &data, "failing-generator", &good.join("solution.py")).unwrap_err();
    assert!(failing.contains("this generator always fails"), "{failing}");
    let unknown = grade(&root, &data, "missing", &good.join("solution.py")).unwrap_err();
    assert!(unknown.contains("no challenge named 'missing'"), "{unknown}");
}
