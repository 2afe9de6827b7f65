//! Ordered work on contiguous runs of a slice, spread over the machine's cores.
//!
//! A cluster renders and emits independent documents, from a dozen to thousands; below
//! a size where starting threads costs more than it saves, everything stays on one
//! thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to contiguous runs of `items` that together cover it, results in the
/// order of the runs; with fewer than `parallel_from` items there is one run, on this
/// thread. This thread starts on the first run while the others start up.
pub(crate) fn map_runs<T, R>(
    items: &[T],
    parallel_from: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = if items.len() < parallel_from {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    map_runs_on(threads, items, f)
}

fn map_runs_on<T, R>(threads: usize, items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    if threads <= 1 || items.len() < 2 {
        return vec![f(items)];
    }
    // Several runs per thread, each taken by whichever thread is free: a thread slowed
    // down by other work on the machine then holds up only its current run.
    let run_len = items.len().div_ceil(threads * RUNS_PER_THREAD);
    let runs: Vec<&[T]> = items.chunks(run_len).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(run) = runs.get(index) else {
                return done;
            };
            done.push((index, f(run)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(runs.len()))
            .map(|_| scope.spawn(work))
            .collect();
        // This thread works on the runs too.
        let mut done = work();
        for helper in helpers {
            done.extend(
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        done
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Enough runs that a cluster's few whole-cluster templates, some much longer to render
/// than others, are each a run of their own and spread over the threads.
const RUNS_PER_THREAD: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_items_in_order_whatever_the_thread_count() {
        let items: Vec<u32> = (0..101).collect();
        for threads in [1, 2, 3, 7, 200] {
            let runs = map_runs_on(threads, &items, <[u32]>::to_vec);
            assert_eq!(runs.concat(), items, "{threads} threads");
            assert!(runs.iter().all(|run| !run.is_empty()), "{threads} threads");
            let expected = if threads == 1 {
                1
            } else {
                101.min(threads * RUNS_PER_THREAD)
            };
            assert!(
                runs.len() <= expected,
                "{threads} threads: {} runs",
                runs.len()
            );
        }
    }

    #[test]
    fn small_inputs_stay_on_one_run() {
        let runs = map_runs(&[1, 2, 3], 32, <[i32]>::len);
        assert_eq!(runs, vec![3]);
    }
}
