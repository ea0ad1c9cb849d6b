//! The inference pool: N threads, each owning one [`Verifier`] (its own copy of the models: a
//! `Verifier` is `&mut` to run and holds no lock), fed through one bounded queue. Inference is
//! CPU-bound and takes hundreds of milliseconds, so it never runs on the async threads; and the
//! queue is bounded, so a burst beyond capacity is refused at once ([`Refused::Busy`], answered
//! 503 with `Retry-After`) instead of piling up behind the workers until every client times out.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::Scope;
use std::time::Instant;

use tokio::sync::oneshot;
use veriface::{Result, Verifier};

/// A job: runs on a worker with its verifier.
type Task = Box<dyn FnOnce(&mut Verifier) + Send>;

/// Why a job was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Every worker is busy and the queue is full.
    Busy,
    /// The pool is shutting down.
    Closed,
}

/// The handle the server holds: submit jobs, read the queue's depth.
pub struct Pool {
    sender: Mutex<Option<SyncSender<Task>>>,
    /// Jobs accepted and not yet picked up by a worker.
    depth: Arc<AtomicUsize>,
    /// Jobs running now.
    running: Arc<AtomicUsize>,
    /// Mean job time in microseconds (exponentially weighted), for `Retry-After`.
    mean_us: Arc<AtomicU64>,
    /// How many jobs may wait.
    pub capacity: usize,
    /// How many workers there are.
    pub workers: usize,
    /// The embedder every worker runs (a claim for another one cannot be re-checked here).
    pub embedder: String,
}

impl Pool {
    /// Starts `workers` threads inside `scope`, each loading its verifier with `load`, and waits
    /// until all are loaded (the models are loaded in parallel).
    ///
    /// # Errors
    /// The first load error (missing model files, a hash mismatch).
    pub fn start<'scope, 'env, F>(
        scope: &'scope Scope<'scope, 'env>,
        workers: usize,
        capacity: usize,
        load: &'env F,
    ) -> Result<Pool>
    where
        F: Fn() -> Result<Verifier> + Sync,
    {
        let (sender, receiver) = sync_channel::<Task>(capacity);
        let receiver = Arc::new(Mutex::new(receiver));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let depth = Arc::new(AtomicUsize::new(0));
        let running = Arc::new(AtomicUsize::new(0));
        let mean_us = Arc::new(AtomicU64::new(0));
        for i in 0..workers {
            let (receiver, ready_tx) = (Arc::clone(&receiver), ready_tx.clone());
            let (depth, running, mean_us) = (depth.clone(), running.clone(), mean_us.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("veriface-worker-{i}"))
                .spawn_scoped(scope, move || {
                    let mut verifier = match load() {
                        Ok(v) => v,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(verifier.model_ids().embedder));
                    drop(ready_tx);
                    work(&receiver, &mut verifier, &depth, &running, &mean_us);
                });
            if let Err(e) = spawned {
                return Err(veriface::Error::Inference {
                    reason: format!("cannot start worker thread {i}: {e}"),
                });
            }
        }
        drop(ready_tx);
        let mut embedder = String::new();
        for _ in 0..workers {
            match ready_rx.recv() {
                Ok(Ok(id)) => embedder = id,
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(veriface::Error::Inference {
                        reason: "a worker stopped while loading its models".into(),
                    })
                }
            }
        }
        Ok(Pool {
            sender: Mutex::new(Some(sender)),
            depth,
            running,
            mean_us,
            capacity,
            workers,
            embedder,
        })
    }

    /// Queues `job` if there is room; its answer comes on the receiver. A job whose receiver
    /// was dropped before a worker reached it (the client left, the deadline passed) is skipped:
    /// no inference for nobody.
    pub fn submit<T, F>(&self, job: F) -> std::result::Result<oneshot::Receiver<T>, Refused>
    where
        T: Send + 'static,
        F: FnOnce(&mut Verifier) -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let task: Task = Box::new(move |v: &mut Verifier| {
            if !tx.is_closed() {
                let _ = tx.send(job(v));
            }
        });
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(sender) = sender.as_ref() else {
            return Err(Refused::Closed);
        };
        self.depth.fetch_add(1, Ordering::SeqCst);
        match sender.try_send(task) {
            Ok(()) => Ok(rx),
            Err(e) => {
                self.depth.fetch_sub(1, Ordering::SeqCst);
                Err(match e {
                    TrySendError::Full(_) => Refused::Busy,
                    TrySendError::Disconnected(_) => Refused::Closed,
                })
            }
        }
    }

    /// Jobs waiting for a worker.
    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::SeqCst)
    }

    /// Jobs running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Seconds until a job queued now would likely start: the queue ahead of it spread over the
    /// workers, at the mean job time; at least 1 (the `Retry-After` of a 503).
    pub fn retry_after_secs(&self) -> u64 {
        let mean = self.mean_us.load(Ordering::Relaxed) as f64 / 1e6;
        let ahead = (self.depth() + self.running()) as f64;
        ((ahead * mean) / self.workers.max(1) as f64)
            .ceil()
            .max(1.0) as u64
    }

    /// Stops taking jobs; the workers finish those queued and exit.
    pub fn close(&self) {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

/// A worker's loop: one job at a time until the queue is closed and empty. A panic inside a job
/// (a bug, never expected on any input) is caught so that the worker keeps serving; the job's
/// sender is dropped with it, which the server answers as INFERENCE_FAILED.
fn work(
    receiver: &Mutex<Receiver<Task>>,
    verifier: &mut Verifier,
    depth: &AtomicUsize,
    running: &AtomicUsize,
    mean_us: &AtomicU64,
) {
    loop {
        let task = {
            let receiver = receiver.lock().unwrap_or_else(PoisonError::into_inner);
            receiver.recv()
        };
        let Ok(task) = task else { return };
        depth.fetch_sub(1, Ordering::SeqCst);
        running.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        if std::panic::catch_unwind(AssertUnwindSafe(|| task(verifier))).is_err() {
            tracing::error!("a job panicked; the worker goes on");
        }
        running.fetch_sub(1, Ordering::SeqCst);
        let us = started.elapsed().as_micros().min(u64::MAX as u128) as u64;
        let old = mean_us.load(Ordering::Relaxed);
        let new = if old == 0 { us } else { (old * 7 + us) / 8 };
        mean_us.store(new, Ordering::Relaxed);
    }
}
