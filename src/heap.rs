//! How the process's heap is set up, before the first allocation. On Linux with glibc,
//! reading a 100,000-activity schedule touches ~120 MB of fresh heap in small pieces:
//! one page fault per 4 KiB page (~35,000 faults, a third of the CPU time). With glibc's
//! tunables `glibc.malloc.hugetlb=1` (transparent huge pages for the heap) and a 64 MiB
//! heap growth step (`glibc.malloc.top_pad`) the same read takes ~700 faults. Tunables
//! are read only when a program starts, so [`tune`] starts the binary again, once, with
//! them set.
//!
//! It must not change what any command does: it never overrides tunables the user set,
//! does nothing on other systems, and when starting again fails the command simply runs
//! untuned.

/// The glibc tunables aecos runs with.
pub const TUNABLES: &str = "glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864";

/// Set in the restarted process so that it does not restart again.
const MARK: &str = "AECOS_HEAP_TUNED";

/// Restarts the running binary with [`TUNABLES`] unless the user set `GLIBC_TUNABLES`
/// or this process is already the restarted one. Returns only when no restart
/// happened. Call it first thing in `main`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("GLIBC_TUNABLES").is_some() || std::env::var_os(MARK).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(argv0) = args.next() {
        cmd.arg0(argv0);
    }
    // `exec` returns only if the restart failed; the command then runs untuned.
    let _failed = cmd
        .args(args)
        .env("GLIBC_TUNABLES", TUNABLES)
        .env(MARK, "1")
        .exec();
}

/// Elsewhere the heap is left as it is.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
