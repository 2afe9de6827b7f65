//! Ordered work on contiguous runs of a slice, spread over the machine's cores.
//!
//! Large clusters render and emit thousands of independent documents; below a size
//! where starting threads costs more than it saves, everything stays on one thread.

/// `f` applied to contiguous runs of `items` that together cover it, results in the
/// order of the runs. With fewer than `parallel_from` items there is one run.
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
    let run_len = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let mut runs = items.chunks(run_len);
        let first = runs.next().unwrap_or_default();
        let helpers: Vec<_> = runs.map(|run| scope.spawn(move || f(run))).collect();
        // This thread takes the first run while the helpers take the others.
        let mut results = vec![f(first)];
        results.extend(helpers.into_iter().map(|helper| {
            helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_items_in_order_whatever_the_thread_count() {
        let items: Vec<u32> = (0..101).collect();
        for threads in [1, 2, 3, 7, 200] {
            let runs = map_runs_on(threads, &items, <[u32]>::to_vec);
            assert_eq!(runs.concat(), items, "{threads} threads");
            assert_eq!(
                runs.len(),
                threads.min(items.len()).min(101),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn small_inputs_stay_on_one_run() {
        let runs = map_runs(&[1, 2, 3], 32, <[i32]>::len);
        assert_eq!(runs, vec![3]);
    }
}
