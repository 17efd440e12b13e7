//! The one place in Alcove with `unsafe` code: a call into the allocator the binary already
//! links (mimalloc), to set one option. The rest of the workspace forbids `unsafe`; this
//! crate is kept to these few lines so that it is read whole.
//!
//! Why: mimalloc (v3, which the `mimalloc` crate builds) returns a freed span to the
//! system only once it is older than its purge delay, a second by default, and it checks
//! the age only when the thread that owns the span next allocates. An upload passes each 256 KiB chunk through
//! several buffers on several pool threads; with the default, the spans they freed stayed
//! resident (a 1 GiB upload run peaked at 113 MiB against 80 with the delay at zero,
//! benches/store_size.py). At zero, the `free` that empties a span gives it back itself.

use std::ffi::c_long;

use libmimalloc_sys as _;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same position in its v2 and
/// v3 headers: after the eager-commit delay, 14). The test checks it by its default.
const MI_OPTION_PURGE_DELAY: i32 = 15;

extern "C" {
    fn mi_option_set(option: i32, value: c_long);
    fn mi_option_get(option: i32) -> c_long;
}

/// Makes mimalloc give freed memory back to the system at once, unless the person running
/// Alcove chose a delay themselves (`MIMALLOC_PURGE_DELAY`, or its older name
/// `MIMALLOC_RESET_DELAY`, read by mimalloc at start-up). Call it first in `main`, before
/// any other thread starts.
pub fn purge_freed_memory_at_once() {
    if ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return;
    }
    // SAFETY: mi_option_set stores a number in mimalloc's option table (plain stores, no
    // pointers); any value is valid for this option. Called before any other thread
    // exists, so no allocation reads the option while it is written.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

/// The purge delay mimalloc uses now, in milliseconds.
pub fn purge_delay_ms() -> c_long {
    // SAFETY: mi_option_get reads the option table; no pointers are involved.
    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_becomes_zero() {
        // The test binary runs on the system allocator, but mimalloc's option table is
        // linked in all the same: the option is the one the header names.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
            && std::env::var_os("MIMALLOC_RESET_DELAY").is_none()
        {
            assert_eq!(
                purge_delay_ms(),
                1000,
                "mimalloc v3's default (src/options.c)"
            );
            purge_freed_memory_at_once();
            assert_eq!(purge_delay_ms(), 0);
        }
    }
}
