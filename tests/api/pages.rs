//! The staff pages do their job: the dashboard filters and orders, the export carries the rows, the
//! leaderboard ranks and charts them, and an invitation made on its page opens.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn dashboard_export_and_leaderboard_show_what_interviewers_compare() {
    let app = spawn_app().await;
    let invite = |name: &str, email: &str| json!({ "name": name, "email": email, "challenges": [DECISION_TREE], "cooldown_seconds": 0 });
    let grace = app.invite(invite("Grace Hopper", "grace@example.com")).await;
    let alan = app.invite(invite("Alan Turing", "alan@example.com")).await;
    // Grace writes her own tree (the reference itself would be flagged as a copy of it).
    let good = app.submit_as(&grace.token, DECISION_TREE, &fixture("honest_dict_tree.py")).await.json::<serde_json::Value>().await.unwrap();
    let memo = app.submit_as(&alan.token, DECISION_TREE, &fixture("memoriser.py")).await.json::<serde_json::Value>().await.unwrap();
    let (good, memo) = (good["id"].as_str().unwrap().to_owned(), memo["id"].as_str().unwrap().to_owned());
    let good_result = app.wait_for(&good).await;
    let memo_result = app.wait_for(&memo).await;
    assert_eq!(memo_result["overfitting"]["flagged"], true);
    assert_eq!(good_result["overfitting"]["flagged"], false);

    app.create_user("ivy", "interviewer").await;
    let ivy = app.sign_in("ivy").await;
    let client = raw_client();
    let get = |path: String| {
        let req = client.get(app.url(&path)).header("cookie", ivy.header());
        async move {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            resp.text().await.unwrap()
        }
    };

    let flagged = get("/dashboard?flagged=true".into()).await;
    assert!(flagged.contains(&memo) && !flagged.contains(&good), "only the flagged run");
    let by_name = get("/dashboard?candidate=GRACE".into()).await;
    assert!(by_name.contains(&good) && !by_name.contains(&memo), "name filter, any case");
    let by_score = get("/dashboard?sort=score".into()).await;
    assert!(by_score.find(&good).unwrap() < by_score.find(&memo).unwrap(), "highest score first");
    let by_score_asc = get("/dashboard?sort=score_asc".into()).await;
    assert!(by_score_asc.find(&memo).unwrap() < by_score_asc.find(&good).unwrap());
    let none = get("/dashboard?verdict=runtime_error".into()).await;
    assert!(!none.contains(&good) && !none.contains(&memo));

    let csv = get(format!("/dashboard/export.csv?challenge={DECISION_TREE}")).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let memo_row = rows.iter().find(|r| &r[col("submission")] == memo.as_str()).unwrap();
    assert_eq!(&memo_row[col("candidate")], "Alan Turing");
    assert_eq!(&memo_row[col("flagged")], "true");
    assert!(memo_row[col("flags")].contains("train_test_gap"));
    assert_eq!(memo_row[col("score")].parse::<f64>().unwrap(), memo_result["score"].as_f64().unwrap());
    let api_csv = app.client.get(app.url(&format!("/api/v1/results.csv?challenge={DECISION_TREE}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(api_csv.text().await.unwrap(), csv, "the API export is the same document");

    let board = get(format!("/leaderboard/{DECISION_TREE}")).await;
    assert!(board.find("Grace Hopper").unwrap() < board.find("Alan Turing").unwrap(), "ranked by private score");
    assert_eq!(board.matches("<svg").count(), 2, "a histogram and a train-versus-test chart");
    assert!(board.contains("Alan Turing: train 1, test"), "the memoriser's point is labelled");
    assert_eq!(board.matches(r#"class="pt flagged""#).count(), 2, "the memoriser's point and the legend's");

    // An invitation made on its page: the link is shown once and opens the candidate's pages.
    let resp = client
        .post(app.url("/invitations"))
        .header("cookie", ivy.header())
        .form(&[("csrf", ivy.csrf.as_str()), ("name", "Edsger"), ("email", "edsger@example.com"), ("challenge", TINY), ("days", "2"), ("submission_limit", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let url = text_of(&resp.text().await.unwrap(), "invitation-link").expect("the new link is shown");
    let link = url.strip_prefix(&app.address).expect("a full link to this service").to_owned();
    let opened = client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    let list = get("/invitations".into()).await;
    assert!(list.contains("edsger@example.com") && !list.contains(&link), "the list never shows the key again");

    let resp = client
        .post(app.url("/invitations"))
        .header("cookie", ivy.header())
        .form(&[("csrf", ivy.csrf.as_str()), ("name", "No Challenge"), ("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("is not an e-mail address"), "the problem is said in words");
    app.stop().await;
}
