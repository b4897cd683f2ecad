use criterion::{criterion_group, criterion_main, Criterion};
fn bench(c: &mut Criterion) { c.bench_function("hi", |b| b.iter(greet::hi)); }
criterion_group!(benches, bench);
criterion_main!(benches);
