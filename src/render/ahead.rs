//! Compiling templates on a second thread while the first one works.
//!
//! Compiling every template costs about as much as loading and checking the values
//! and then rendering a small cluster. A helper thread compiles templates from the
//! end of the render order while the renderer, once the values are ready, compiles
//! what it needs from the front: they meet in the middle, and no template is
//! compiled twice or waited for longer than its own compilation.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

pub(crate) struct Ahead {
    /// Positions in the render order that no thread has started compiling.
    unclaimed: Mutex<Range<usize>>,
    /// Set once a template's compilation ended, whether it compiled or not (a template
    /// that failed is compiled again, and fails with its error, where it is used).
    compiled: Vec<OnceLock<()>>,
    stopped: AtomicBool,
}

impl Ahead {
    pub(crate) fn new(templates: usize) -> Self {
        Ahead {
            unclaimed: Mutex::new(0..templates),
            compiled: (0..templates).map(|_| OnceLock::new()).collect(),
            stopped: AtomicBool::new(false),
        }
    }

    /// Compiles, with `compile`, the templates nobody has started on, from the last
    /// one back, until none is left or [`Ahead::stop`] is called.
    pub(crate) fn run_from_back(&self, compile: impl Fn(usize)) {
        while !self.stopped.load(Ordering::Relaxed) {
            let index = {
                let mut unclaimed = self.lock();
                if unclaimed.is_empty() {
                    return;
                }
                unclaimed.end -= 1;
                unclaimed.end
            };
            compile(index);
            self.mark(index);
        }
    }

    /// Makes sure template `index` has been compiled: compiles it, and every unclaimed
    /// template before it, on this thread, or waits for the thread compiling it.
    pub(crate) fn ensure(&self, index: usize, compile: impl Fn(usize)) {
        if self.compiled[index].get().is_some() {
            return;
        }
        let claimed = {
            let mut unclaimed = self.lock();
            if unclaimed.contains(&index) {
                let claimed = unclaimed.start..index + 1;
                unclaimed.start = index + 1;
                claimed
            } else {
                0..0
            }
        };
        for earlier in claimed {
            compile(earlier);
            self.mark(earlier);
        }
        self.compiled[index].wait();
    }

    /// Tells the helper to stop after the template it is compiling (when the values
    /// turned out invalid and nothing will be rendered).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    fn mark(&self, index: usize) {
        // Only the thread that claimed a template marks it, so this is its first set.
        let _ = self.compiled[index].set(());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Range<usize>> {
        // The range is valid whatever a panicking thread left behind.
        self.unclaimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Ahead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ahead")
            .field("unclaimed", &*self.lock())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    #[test]
    fn every_template_is_compiled_once_by_one_of_the_two_threads() {
        for templates in [1, 2, 5, 14] {
            for wanted in 0..templates {
                let ahead = Ahead::new(templates);
                let log = StdMutex::new(Vec::new());
                let compile = |index: usize| log.lock().unwrap().push(index);
                std::thread::scope(|scope| {
                    scope.spawn(|| ahead.run_from_back(compile));
                    ahead.ensure(wanted, compile);
                    assert!(ahead.compiled[wanted].get().is_some());
                });
                for index in 0..templates {
                    ahead.ensure(index, compile);
                }
                let mut log = log.into_inner().unwrap();
                log.sort_unstable();
                assert_eq!(log, (0..templates).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn without_a_helper_the_renderer_compiles_in_order_what_it_needs() {
        let ahead = Ahead::new(6);
        let log = StdMutex::new(Vec::new());
        let compile = |index: usize| log.lock().unwrap().push(index);
        ahead.ensure(2, compile);
        ahead.ensure(1, compile);
        ahead.ensure(4, compile);
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_stopped_helper_leaves_the_rest_to_the_renderer() {
        let ahead = Ahead::new(4);
        let log = StdMutex::new(Vec::new());
        ahead.stop();
        ahead.run_from_back(|index| log.lock().unwrap().push(index));
        assert!(log.lock().unwrap().is_empty());
        ahead.ensure(3, |index| log.lock().unwrap().push(index));
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3]);
    }
}
