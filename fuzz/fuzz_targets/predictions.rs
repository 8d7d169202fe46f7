//! What a harness prints → grading: any output gets a verdict (most often wrong_output), never a
//! panic. The tiny classification challenge supplies the hidden answers.
#![no_main]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mlgrade::challenge::{Challenge, Dataset};
use mlgrade::grading::Context;
use mlgrade::integrity::checks::OnHiddenRows;
use mlgrade::integrity::probes::{with_probes, ProbeLayout};
use mlgrade::sandbox::RunOutcome;

fn fixture() -> &'static (Challenge, Dataset) {
    static FIXTURE: OnceLock<(Challenge, Dataset)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/challenges/tiny-classify");
        let runtimes: BTreeSet<String> = ["python-numpy".to_owned()].into();
        let generated = std::env::temp_dir().join("mlgrade-fuzz-generated");
        let challenge = Challenge::load_as("tiny-classify".parse().unwrap(), 1, &dir, &runtimes, &generated).unwrap();
        let data = challenge.checked_dataset().unwrap();
        (challenge, data)
    })
}

fuzz_target!(|data: &[u8]| {
    let (challenge, dataset) = fixture();
    let outcome = RunOutcome {
        exit_code: 0,
        oom_killed: false,
        timed_out: false,
        result: data.to_vec(),
        result_overflow: false,
        log: String::new(),
        duration: Duration::from_millis(10),
        usage: None,
        container: String::new(),
        warm: false,
    };
    // As the rows are, and with probe rows among them and a reference to compare with.
    let plain = ProbeLayout::none(dataset.test_labels.len());
    let _ = mlgrade::grading::grade(challenge, dataset, &outcome, &Context { layout: &plain, reference: None });
    let (_, probed) = with_probes(&dataset.test_features, &dataset.train, dataset.numeric.as_ref(), 1);
    let reference = Some(OnHiddenRows { value: 0.9, interval: Some([0.85, 0.95]) });
    let _ = mlgrade::grading::grade(challenge, dataset, &outcome, &Context { layout: &probed, reference });
});
