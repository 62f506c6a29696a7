fn main() -> std::process::ExitCode {
    kourse::cli::run()
}
