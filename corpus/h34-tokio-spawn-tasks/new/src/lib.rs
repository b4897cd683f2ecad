pub async fn run_all(jobs: Vec<u64>) -> u64 {
    let handles: Vec<_> = jobs.into_iter().map(|j| tokio::spawn(work(j))).collect();
    let mut total = 0;
    for h in handles { total += h.await.unwrap_or(0); }
    total
}
async fn work(j: u64) -> u64 { j * 2 }
