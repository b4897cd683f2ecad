pub async fn run_all(jobs: Vec<u64>) -> u64 {
    let mut total = 0;
    for j in jobs { total += work(j).await; }
    total
}
async fn work(j: u64) -> u64 { j * 2 }
