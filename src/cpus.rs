//! Where a helper thread runs.
//!
//! A thread started to share short work (a few milliseconds) is often placed on the CPU
//! of the thread that started it, with other CPUs idle: both then take turns on one CPU
//! until the scheduler balances them, which can take longer than the work. A helper
//! moves itself to another allowed CPU as soon as it runs, then allows every CPU again,
//! so that the scheduler remains free to move it later.

/// The CPU this thread runs on, where the system says.
pub(crate) fn current() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        nix::sched::sched_getcpu().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Moves the calling thread to the `nth` allowed CPU after `spawner`'s (the CPU its
/// starter ran on, from [`current`]), if it runs on the spawner's CPU. Does nothing
/// where CPUs cannot be chosen, or when only one is allowed.
pub(crate) fn leave(spawner: Option<usize>, nth: usize) {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
        use nix::unistd::Pid;
        let Some(spawner) = spawner else { return };
        if current() != Some(spawner) {
            return;
        }
        let this_thread = Pid::from_raw(0);
        let Ok(allowed) = sched_getaffinity(this_thread) else {
            return;
        };
        let count = CpuSet::count();
        let Some(target) = (1..count)
            .map(|step| (spawner + step) % count)
            .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
            .nth(nth)
        else {
            return;
        };
        let mut only = CpuSet::new();
        if only.set(target).is_ok() && sched_setaffinity(this_thread, &only).is_ok() {
            let _ = sched_setaffinity(this_thread, &allowed);
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (spawner, nth);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use nix::sched::sched_getaffinity;
    use nix::unistd::Pid;

    #[test]
    fn a_helper_leaves_its_spawners_cpu_and_keeps_every_allowed_cpu() {
        let allowed = sched_getaffinity(Pid::from_raw(0)).unwrap();
        let allowed_count = (0..nix::sched::CpuSet::count())
            .filter(|&cpu| allowed.is_set(cpu).unwrap())
            .count();
        let spawner = current();
        assert!(spawner.is_some());
        let (moved_to, mask_after) = std::thread::spawn(move || {
            // The helper may have started elsewhere; pretend it shares the spawner's CPU.
            let here = current();
            leave(here, 0);
            (current(), sched_getaffinity(Pid::from_raw(0)).unwrap())
        })
        .join()
        .unwrap();
        assert_eq!(
            mask_after, allowed,
            "the helper must get every allowed CPU back"
        );
        if allowed_count > 1 {
            assert_ne!(moved_to, None);
        }
    }
}
