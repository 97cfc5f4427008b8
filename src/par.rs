//! Order-preserving parallel map over the machine's cores (std threads only), for work that is
//! independent per item (systems in the engine) and large enough to pay for a thread.
//!
//! The work always runs on worker threads with an explicit stack of [`WORKER_STACK`], one worker
//! for fewer than [`MIN_PARALLEL`] items: rule evaluation recurses once per level of a CEL syntax
//! tree, and the calling thread's stack is whatever its creator chose (8 MiB for a main thread,
//! 2 MiB or `RUST_MIN_STACK` for other threads). So the same depth works for 1 system and for
//! 10 000, in a test and in the binary.

/// Below this many items the work runs on a single worker.
const MIN_PARALLEL: usize = 64;

/// Stack of each worker: more than six times what the deepest rule `validate` accepts needs in a
/// debug build (see [`crate::policy::cost::MAX_AST_DEPTH`]). It is reserved address space; only
/// the pages used are committed.
pub const WORKER_STACK: usize = 16 << 20;

fn threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8)
}

/// `items.iter().map(f).collect()`, spread over the cores, in input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.is_empty() {
        return Vec::new();
    }
    let threads = if items.len() < MIN_PARALLEL { 1 } else { threads() };
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let work = move || part.iter().map(f).collect::<Vec<R>>();
                // A worker that cannot start (no address space for its stack) leaves its part to
                // the calling thread rather than failing the run.
                std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(scope, work).map_err(|_| part)
            })
            .collect();
        // A worker that panicked re-raises its panic here: no result is silently lost.
        handles
            .into_iter()
            .flat_map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(part) => part.iter().map(f).collect(),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let v: Vec<u32> = (0..1000).collect();
        assert_eq!(super::map(&v, |x| x * 2), v.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::map(&Vec::<u32>::new(), |x| *x).is_empty());
        assert_eq!(super::map(&[1, 2, 3], |x| x + 1), vec![2, 3, 4]);
    }

    /// Even a single item runs on a worker with the stated stack, not on the caller's.
    #[test]
    fn small_inputs_run_on_a_worker() {
        let caller = std::thread::current().id();
        let ids = super::map(&[()], |_| std::thread::current().id());
        assert_ne!(ids[0], caller);
    }
}
