fn main() -> std::process::ExitCode {
    capkv::run(std::env::args_os())
}
