//! Pick latency over 10, 1,000 and 10,000 accounts: criterion's estimate, then a histogram
//! (p50 / p90 / p99 / max over 200,000 picks) printed per size, for the two paths a pick takes:
//! `cached` (the selection band of an earlier pick is still valid: draw two, check them) and
//! `scan` (the band is dropped before every pick, so each one filters and ranks the whole
//! pool: what a pick costs after a cooldown, a tier change or once a second). Targets (issue
//! 5): p99 ≤ 5 µs with 1,000 accounts, ≤ 50 µs with 10,000. Each pick takes a slot and drops
//! it, so the pool stays idle.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gateway_core::scheduler::refresh::Refresher;
use gateway_core::scheduler::settings::SchedulerSettings;
use gateway_core::scheduler::trace::PickTrace;
use gateway_core::scheduler::{PickRequest, Pool};
use gateway_core::store::Account;
use gateway_core::upstream::oauth::OAuthClient;

fn account(id: i64) -> Account {
    Account {
        plan_type: Some(if id % 3 == 0 { "free" } else { "plus" }.into()),
        paused: id % 50 == 0,
        ..Account::unsaved(id)
    }
}

fn pool(n: i64) -> Pool {
    let oauth = OAuthClient::new(reqwest::Client::new(), "http://127.0.0.1:9/oauth/token");
    let pool = Pool::new(Refresher::new(oauth));
    pool.load_accounts((1..=n).map(account).collect());
    pool
}

/// xorshift64*: the benchmark's randomness must not be what it measures.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// One pick with a fresh trace; the slot is released at once.
fn once(pool: &Pool, cfg: &SchedulerSettings, rng: &mut Rng) -> bool {
    let req = PickRequest {
        model: "gpt-5.5",
        exclude: &[],
        affinity_key: None,
    };
    let mut trace = PickTrace::default();
    pool.try_pick(&req, cfg, &mut trace, &mut |n| rng.below(n))
        .is_some()
}

fn histogram(n: i64, pool: &Pool, cfg: &SchedulerSettings, scan: bool) {
    let mut rng = Rng(7);
    let picks = if scan && n >= 10_000 { 20_000 } else { 200_000 };
    let mut samples: Vec<u128> = (0..picks)
        .map(|_| {
            if scan {
                pool.forget_bands();
            }
            let start = Instant::now();
            std::hint::black_box(once(pool, cfg, &mut rng));
            start.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    let path = if scan { "scan" } else { "cached" };
    eprintln!(
        "pick ({path:>6}) over {n:>6} accounts: p50 {:.2} µs  p90 {:.2} µs  p99 {:.2} µs  max {:.2} µs",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

fn bench(c: &mut Criterion) {
    let cfg = SchedulerSettings::default();
    let mut group = c.benchmark_group("pick");
    for n in [10, 1_000, 10_000] {
        let pool = pool(n);
        histogram(n, &pool, &cfg, false);
        histogram(n, &pool, &cfg, true);
        let mut rng = Rng(11);
        group.bench_with_input(BenchmarkId::new("cached", n), &n, |b, _| {
            b.iter(|| once(&pool, &cfg, &mut rng))
        });
        group.bench_with_input(BenchmarkId::new("scan", n), &n, |b, _| {
            b.iter(|| {
                pool.forget_bands();
                once(&pool, &cfg, &mut rng)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
