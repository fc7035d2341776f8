fn main() {
    let channel = std::env::var("SAMPLE_CHANNEL").unwrap_or_else(|_| "unknown".into());
    println!("{}", greeting::greeting(&channel));
}
