fn main() {
    println!("sample tool {}", 1 + 1);
}
