//! Generalisation checks on shipped challenges: an honest cross-validated estimate passes the optimism
//! check and an inflated one is flagged; a pandas challenge with messy, generated data grades end to end.

use serde_json::Value;

use crate::helpers::*;

const TUNING: &str = "hyperparameter-tuning-cv";
const MESSY: &str = "messy-tabular-data";

fn shipped(slug: &str, rel: &str) -> String {
    std::fs::read_to_string(repo().join("challenges").join(slug).join(rel)).unwrap()
}

fn check<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name} check: {s:#}"))
}

#[tokio::test]
async fn optimism_is_flagged_only_for_an_inflated_estimate_and_messy_data_grades() {
    let app = spawn_app_with(&[TUNING, MESSY]).await;
    let honest = app.submit(TUNING, shipped(TUNING, "reference/solution.py")).await;
    let inflated = app.submit(TUNING, shipped(TUNING, "baseline/solution.py")).await;
    let messy = app.submit(MESSY, shipped(MESSY, "reference/solution.py")).await;

    let h = app.wait_for(&honest).await;
    assert_eq!(h["verdict"], "accepted", "{h:#}");
    let optimism = check(&h, "optimism");
    assert_eq!(optimism["flagged"], false, "{optimism:#}");
    assert_eq!(optimism["threshold"].as_f64(), Some(0.05));

    let i = app.wait_for(&inflated).await;
    assert_eq!(i["verdict"], "accepted", "{i:#}");
    let optimism = check(&i, "optimism");
    assert_eq!(optimism["flagged"], true, "{optimism:#}");
    assert!(optimism["explanation"].as_str().unwrap().contains("overstates"), "{optimism:#}");
    assert!(i["score"].as_f64().unwrap() < h["score"].as_f64().unwrap());

    let m = app.wait_for(&messy).await;
    assert_eq!(m["verdict"], "accepted", "{m:#}");
    assert!(m["metrics"]["roc_auc"].as_f64().unwrap() > 0.7, "{:#}", m["metrics"]);
    app.stop().await;
}
