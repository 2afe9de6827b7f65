/// capkv allocates many small, short-lived strings and maps (every rendered document is
/// parsed, checked and re-emitted); mimalloc does that at about half glibc's cost, and
/// `scripts/bench` measures the difference (README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    capkv::run(std::env::args_os())
}
