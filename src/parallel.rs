//! Ordered work on contiguous runs of a list, shared by whichever threads take part.
//!
//! A cluster renders independent documents, from a dozen to thousands. The list is cut
//! into runs and every thread that takes part claims the next run whenever it is free:
//! a thread that starts late, or is slowed down by other work on the machine, holds up
//! only the run it is on. Results are kept with their run's number and come back in
//! order once every run is done ([`Runs::results`]).

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Enough runs per thread that a cluster's few whole-cluster templates, some much
/// longer to render than others, are each a run of their own and spread over the
/// threads.
const RUNS_PER_THREAD: usize = 8;

/// A list of `len` items cut into runs, which runs have been claimed, and the results
/// of those done.
#[derive(Debug)]
pub(crate) struct Runs<R> {
    len: usize,
    run_len: usize,
    next: AtomicUsize,
    stopped: AtomicBool,
    /// A thread panicked on a run, whose result will never come.
    abandoned: AtomicBool,
    done: Mutex<Vec<(usize, R)>>,
    all_done: Condvar,
}

impl<R> Runs<R> {
    /// Runs for `threads` threads over `len` items.
    pub(crate) fn new(len: usize, threads: usize) -> Self {
        Runs {
            len,
            run_len: len.div_ceil(threads.max(1) * RUNS_PER_THREAD).max(1),
            next: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            done: Mutex::new(Vec::new()),
            all_done: Condvar::new(),
        }
    }

    fn count(&self) -> usize {
        self.len.div_ceil(self.run_len)
    }

    /// Claims runs one at a time and applies `f` to each (the run's items as a range of
    /// indexes) until none is left or [`Runs::stop`] was called.
    pub(crate) fn work(&self, mut f: impl FnMut(Range<usize>) -> R) {
        while !self.stopped.load(Ordering::Relaxed) {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            if index >= self.count() {
                break;
            }
            let start = index * self.run_len;
            let on_panic = Abandon(self);
            let result = f(start..self.len.min(start + self.run_len));
            std::mem::forget(on_panic);
            let mut done = self.lock();
            done.push((index, result));
            if done.len() == self.count() {
                self.all_done.notify_all();
            }
        }
    }

    /// Leaves the runs nobody has claimed undone: for work whose result is no longer
    /// wanted. Runs being worked on are finished.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Every run's result, in run order, once all are done: call it after
    /// [`Runs::work`] on this thread, which leaves no run unclaimed (the threads still
    /// on a run finish it). Empty if the runs were stopped; panics if a thread panicked
    /// on a run (its panic is reported by that thread).
    pub(crate) fn results(&self) -> Vec<R> {
        if self.stopped.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let mut done = self.lock();
        while done.len() < self.count() {
            assert!(
                !self.abandoned.load(Ordering::Relaxed),
                "a thread panicked while working on a run"
            );
            done = self
                .all_done
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let mut done = std::mem::take(&mut *done);
        done.sort_unstable_by_key(|(index, _)| *index);
        done.into_iter().map(|(_, result)| result).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(usize, R)>> {
        // A thread that panicked on a run never pushed its result: the list is valid.
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Tells whoever waits for the results that a run will never be done, if the thread
/// working on it panics.
struct Abandon<'a, R>(&'a Runs<R>);

impl<R> Drop for Abandon<'_, R> {
    fn drop(&mut self) {
        self.0.abandoned.store(true, Ordering::Relaxed);
        let _done = self.0.lock();
        self.0.all_done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_items_in_order_whatever_the_thread_count() {
        for len in [0, 1, 2, 15, 16, 17, 101] {
            for threads in [0, 1, 2, 3, 7, 200] {
                let runs = Runs::new(len, threads);
                runs.work(Iterator::collect::<Vec<_>>);
                let results = runs.results();
                assert!(results.iter().all(|run| !run.is_empty()));
                assert!(
                    results.len() <= threads.max(1) * RUNS_PER_THREAD,
                    "{len} items, {threads} threads: {} runs",
                    results.len()
                );
                assert_eq!(
                    results.concat(),
                    (0..len).collect::<Vec<_>>(),
                    "{len} items, {threads} threads"
                );
            }
        }
    }

    #[test]
    fn threads_share_the_runs_and_the_results_wait_for_the_last_one() {
        let runs = Runs::new(1000, 4);
        let results = std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    runs.work(|range| {
                        std::thread::sleep(std::time::Duration::from_micros(50));
                        range.collect::<Vec<_>>()
                    });
                });
            }
            runs.work(Iterator::collect::<Vec<_>>);
            runs.results()
        });
        assert_eq!(results.concat(), (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_stopped_list_gives_out_no_more_runs_and_no_results() {
        let runs = Runs::new(100, 2);
        let mut seen = 0;
        runs.work(|range| {
            seen += 1;
            if seen == 3 {
                runs.stop();
            }
            range.len()
        });
        assert_eq!(seen, 3);
        runs.work(|_| unreachable!("no run is given out after stop"));
        assert!(runs.results().is_empty());
    }

    #[test]
    fn a_run_that_panicked_does_not_leave_the_results_waiting() {
        let runs = Runs::<usize>::new(10, 2);
        std::thread::scope(|scope| {
            let panicked = scope.spawn(|| runs.work(|_| panic!("a bug on a run")));
            assert!(panicked.join().is_err());
        });
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runs.results()));
        assert!(waited.is_err());
    }
}
