//! Full HTTP round trips over loopback: batches of concurrent `/responses` calls whose SSE
//! bodies are read to the end. Criterion reports elements/s = requests/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::future::join_all;
use mock_upstream::{MockConfig, MockUpstream};
use serde_json::json;

const BATCH: usize = 64;

fn responses(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let Ok(mock) = rt.block_on(MockUpstream::start(MockConfig::default())) else {
        return;
    };
    let tokens: Vec<String> = mock
        .seed_accounts(4)
        .into_iter()
        .map(|a| a.access_token)
        .collect();
    let url = format!("{}/responses", mock.upstream_base_url());
    let client = reqwest::Client::new();
    let body = json!({
        "model": "gpt-5.5", "stream": true, "store": false, "prompt_cache_key": "bench",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "benchmark turn"}]}],
    });

    let mut group = c.benchmark_group("responses_roundtrip");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("batch_{BATCH}"), |b| {
        b.to_async(&rt).iter(|| async {
            let calls = (0..BATCH).map(|i| {
                let req = client
                    .post(&url)
                    .bearer_auth(&tokens[i % tokens.len()])
                    .json(&body);
                async move {
                    match req.send().await {
                        Ok(r) => r.bytes().await.map(|b| b.len()).unwrap_or(0),
                        Err(_) => 0,
                    }
                }
            });
            join_all(calls).await
        });
    });
    group.finish();
    rt.block_on(mock.shutdown());
}

criterion_group!(benches, responses);
criterion_main!(benches);
