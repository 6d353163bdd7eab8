//! TEMPORARY scale probe (removed before hand-off).
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use iop_web::AppState;
use iop_web::metrics::Metrics;
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let geo = iop_geo::Geocoder::load(&data).unwrap();
    let t = Instant::now();
    let ing =
        iop_ingest::pipeline::ingest(&iop_ingest::pipeline::IngestOptions::shipped(&data), &geo)
            .unwrap();
    eprintln!("ingest {} listings in {:?}", ing.listings.len(), t.elapsed());
    let dir = tempfile::tempdir().unwrap();
    iop_index::build(dir.path(), ing.listings, &mut |_| {}).unwrap();
    let index = iop_index::LiveIndex::open(dir.path()).unwrap();
    let state = AppState {
        index: Arc::new(index),
        geocoder: Arc::new(geo),
        metrics: Arc::new(Metrics::default()),
    };
    let app = iop_web::app(state);
    for uri in [
        "/hsds/services?format=ndjson&full=false",
        "/hsds/organizations?format=ndjson&full=false",
        "/hsds/services?format=ndjson&full=false&taxonomy_term_id=level:iop",
        "/hsds/services?format=ndjson&taxonomy_term_id=level:iop",
    ] {
        let t = Instant::now();
        let req = Request::get(uri).header(header::HOST, "x").body(Body::empty()).unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let head: String = String::from_utf8_lossy(&body[..body.len().min(200)])
            .chars()
            .filter(|c| *c != '\n')
            .take(160)
            .collect();
        eprintln!("{uri}: {status} {} bytes in {:?} :: {head}", body.len(), t.elapsed());
    }
}
