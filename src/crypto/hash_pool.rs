//! The password hashing threads: at most a few, started when work arrives, fed through a
//! bounded queue. Each reuses one argon2 memory block (19 MiB) while work is queued, wipes
//! and frees it when the queue runs dry, and ends after a short idle spell, which is when
//! the allocator hands the freed memory back to the system. So a sign-in storm costs
//! `threads × 19 MiB` at most and an idle server nothing. Hashes are PHC strings (argon2id,
//! m = 19456, t = 2, p = 1), the format `argon2`'s `PasswordHasher` writes; verification
//! recomputes the raw hash with the stored salt and parameters and compares in constant
//! time.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use parking_lot::Mutex;
use subtle::ConstantTimeEq as _;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

/// OWASP's argon2id parameters, in KiB of memory.
pub const M_COST: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;
/// The largest memory a stored hash may ask for when it is verified (64 MiB).
const MAX_M_COST: u32 = 64 * 1024;
const OUTPUT_LEN: usize = 32;
/// An idle hashing thread ends after this long. mimalloc returns freed memory to the system
/// a second after it was freed, when a thread ends or frees a page; ending the idle threads
/// later than that is what makes the memory go back on a quiet server.
const LINGER: Duration = Duration::from_secs(2);

/// The memory one hashing thread reuses; wiped when freed.
type Memory = Zeroizing<Vec<Block>>;

pub(super) enum Job {
    Hash {
        password: Zeroizing<String>,
        reply: oneshot::Sender<Option<String>>,
    },
    Verify {
        password: Zeroizing<String>,
        phc: String,
        reply: oneshot::Sender<bool>,
    },
}

/// A job and its place in the queue (given back when the job is done).
struct Queued {
    job: Job,
    _room: OwnedSemaphorePermit,
}

/// The queue into the hashing threads. Cheap to clone.
#[derive(Clone)]
pub(super) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    sender: mpsc::Sender<Queued>,
    jobs: Mutex<mpsc::Receiver<Queued>>,
    /// Places in the queue; a caller waits (without a thread) for one.
    room: Arc<Semaphore>,
    running: AtomicUsize,
    max_threads: usize,
}

impl Pool {
    /// A pool of at most `threads` hashing threads behind a queue of `queue` jobs. No
    /// thread runs until there is work.
    pub(super) fn new(threads: usize, queue: usize) -> Self {
        let (sender, jobs) = mpsc::channel();
        Self {
            shared: Arc::new(Shared {
                sender,
                jobs: Mutex::new(jobs),
                room: Arc::new(Semaphore::new(queue.max(1))),
                running: AtomicUsize::new(0),
                max_threads: threads.max(1),
            }),
        }
    }

    /// Queues a job (waiting while the queue is full) and waits for its answer; `None` when
    /// it could not be done.
    pub(super) async fn run<T>(&self, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Option<T> {
        let room = self.shared.room.clone().acquire_owned().await.ok()?;
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            job: job(reply),
            _room: room,
        };
        self.shared.sender.send(queued).ok()?;
        // After the send: a thread that is just ending has already said so (see `work`).
        Shared::ensure_thread(&self.shared);
        answer.await.ok()
    }
}

impl Shared {
    /// Starts another hashing thread unless `max_threads` already run.
    fn ensure_thread(shared: &Arc<Self>) {
        let more = shared.running.fetch_update(SeqCst, SeqCst, |n| {
            (n < shared.max_threads).then_some(n + 1)
        });
        if more.is_err() {
            return;
        }
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("alcove-hash".into())
            .stack_size(512 * 1024)
            .spawn(move || worker.work());
        if let Err(e) = spawned {
            shared.running.fetch_sub(1, SeqCst);
            tracing::error!(error = %e, "a password hashing thread could not start");
        }
    }

    /// The next job, waiting at most [`LINGER`] in all (for the queue and for a job in it).
    fn wait_for_job(&self) -> Option<Queued> {
        let deadline = Instant::now() + LINGER;
        let rx = self.jobs.try_lock_until(deadline)?;
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
    }

    fn take_ready(&self) -> Option<Queued> {
        self.jobs.try_lock().and_then(|rx| rx.try_recv().ok())
    }

    /// One hashing thread: takes jobs while there are any, frees its memory before it waits
    /// for the next, and ends when none comes for [`LINGER`].
    fn work(&self) {
        let mut memory: Option<Memory> = None;
        loop {
            let queued = match self.take_ready() {
                Some(queued) => queued,
                None => {
                    memory = None;
                    match self.wait_for_job() {
                        Some(queued) => queued,
                        None => {
                            // Say so first, then look once more: a job sent after this
                            // look sees the lower count and starts a thread itself.
                            self.running.fetch_sub(1, SeqCst);
                            match self.take_ready() {
                                Some(queued) => {
                                    self.running.fetch_add(1, SeqCst);
                                    queued
                                }
                                None => return,
                            }
                        }
                    }
                }
            };
            let blocks = memory.get_or_insert_with(fresh_memory);
            // A panic inside argon2 must not end the thread uncounted; the caller sees a
            // failure (its reply is dropped).
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| match queued.job {
                Job::Hash { password, reply } => {
                    let _ = reply.send(hash_with(blocks, &password));
                }
                Job::Verify {
                    password,
                    phc,
                    reply,
                } => {
                    let _ = reply.send(verify_with(blocks, &password, &phc));
                }
            }));
        }
    }
}

fn params() -> Option<Params> {
    Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN)).ok()
}

fn block_count(m_cost: u32) -> usize {
    Params::new(m_cost, T_COST, P_COST, None).map_or(0, |p| p.block_count())
}

/// Hashes `password` with a fresh salt into a PHC string, using `memory`.
pub fn hash_with(memory: &mut Memory, password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).ok()?;
    let params = params()?;
    let mut out = Zeroizing::new([0u8; OUTPUT_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out[..],
            &mut memory[..],
        )
        .ok()?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out[..]).ok()?),
    };
    Some(phc.to_string())
}

/// True when `password` matches the PHC string `phc` (any argon2 variant and parameters up
/// to 64 MiB), using `memory` when the parameters are ours.
pub fn verify_with(memory: &mut Memory, password: &str, phc: &str) -> bool {
    verify_inner(memory, password, phc).unwrap_or(false)
}

fn verify_inner(memory: &mut Memory, password: &str, phc: &str) -> Option<bool> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = parsed.salt?.decode_b64(&mut salt_buf).ok()?;
    if params.m_cost() > MAX_M_COST {
        return None;
    }
    let mut own = None;
    let blocks: &mut [Block] = if params.block_count() <= memory.len() {
        &mut memory[..]
    } else {
        own.insert(Zeroizing::new(vec![Block::default(); params.block_count()]))
    };
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out[..], blocks)
        .ok()?;
    Some(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
}

/// A fresh memory block of the standard size (for tests and one-off hashing).
pub fn fresh_memory() -> Memory {
    Zeroizing::new(vec![Block::default(); block_count(M_COST)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(
        pool: &Pool,
        password: &str,
        phc: &str,
    ) -> impl std::future::Future<Output = Option<bool>> {
        let (pool, password, phc) = (pool.clone(), password.to_owned(), phc.to_owned());
        async move {
            pool.run(|reply| Job::Verify {
                password: Zeroizing::new(password),
                phc,
                reply,
            })
            .await
        }
    }

    #[tokio::test]
    async fn threads_stay_within_bounds_and_end_when_idle() {
        let pool = Pool::new(2, 1);
        let phc = hash_with(&mut fresh_memory(), "river otter lantern").unwrap();
        // Six callers through a queue of one: all answered, never more than two threads.
        let calls: Vec<_> = (0..6)
            .map(|_| tokio::spawn(verify(&pool, "river otter lantern", &phc)))
            .collect();
        for call in calls {
            assert!(pool.shared.running.load(SeqCst) <= 2);
            assert_eq!(call.await.unwrap(), Some(true));
        }
        tokio::time::sleep(LINGER + Duration::from_millis(800)).await;
        assert_eq!(pool.shared.running.load(SeqCst), 0, "idle threads end");
        // And start again for the next sign-in.
        assert_eq!(verify(&pool, "wrong", &phc).await, Some(false));
    }

    #[test]
    fn malformed_or_oversized_hashes_never_verify() {
        let mut memory = fresh_memory();
        assert_eq!(
            verify_inner(&mut memory, "x", "$argon2id$v=19$m=19456"),
            None
        );
        let tail = "$YWxjb3ZlLWR1bW15LXNhbHQ$Ml9i8L0c0mYqWm7l3Qo2c8GSEJ1s3kI5v1C0Gk3t9nY";
        let huge = format!("$argon2id$v=19$m=1048576,t=2,p=1{tail}");
        assert_eq!(
            verify_inner(&mut memory, "x", &huge),
            None,
            "over 64 MiB is refused"
        );
        let dummy = format!("$argon2id$v=19$m=19456,t=2,p=1{tail}");
        assert_eq!(
            verify_inner(&mut memory, "x", &dummy),
            Some(false),
            "the work is done"
        );
    }
}
