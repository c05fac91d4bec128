//! The generator watching itself: the CPU time of the engine's worker threads and the resident
//! memory of this process, read from `/proc` (Linux), and the CPU capacity it really has.
//! Where `/proc` cannot be read (another OS, a locked-down container) the figures are unknown
//! (`None`, never a made-up 0), the CPU check is skipped and the capacity is what
//! `available_parallelism` says.
//!
//! The CPU is the workers' own ([`ThreadsCpu`]), with their runtimes' helper threads (host-name
//! lookups), not the process's: `stampede serve` runs its
//! control server, and by default the demo target, in the same process on a runtime of their
//! own, and their CPU is not the generator's. Memory cannot be told apart by thread, so the
//! RSS is the whole process's.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The CPU time (user + system) in a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`
/// text; `None` when it does not read as one.
fn cpu_from_stat(stat: &str) -> Option<Duration> {
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after ')'.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux platform Rust supports.
    Some(Duration::from_millis(
        utime.checked_add(stime)?.checked_mul(10)?,
    ))
}

/// The CPU time the calling thread has used.
fn own_thread_cpu() -> Option<Duration> {
    cpu_from_stat(&std::fs::read_to_string("/proc/thread-self/stat").ok()?)
}

/// The CPU time the thread `tid` of this process has used; `None` once it has ended.
fn thread_cpu(tid: u32) -> Option<Duration> {
    cpu_from_stat(&std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?)
}

/// The calling thread's id, from where `/proc/thread-self` points (`<pid>/task/<tid>`).
fn current_tid() -> Option<u32> {
    tid_from_link(&std::fs::read_link("/proc/thread-self").ok()?)
}

fn tid_from_link(link: &Path) -> Option<u32> {
    let (_pid, tid) = link.to_str()?.split_once("/task/")?;
    tid.parse().ok().filter(|tid| *tid > 0)
}

/// The CPU time of the threads that [join](ThreadsCpu::join) it: a run's worker threads, which
/// make its requests, and the helper threads of their runtimes' blocking pools, where the
/// host-name lookups run (see [`join_this_thread`]). That is the generator's CPU; the rest of
/// the process (the control task's once-per-interval tally, and in `stampede serve` the
/// control server and the demo target on the server's runtime) is not in it.
///
/// A thread that ends keeps counting what it used, so the total never goes back; its place is
/// taken by the next thread to join, so helper threads that come and go through a long run
/// (the blocking pool lets an idle one go after 10 s) do not grow the list.
#[derive(Debug, Default)]
pub(crate) struct ThreadsCpu {
    threads: Mutex<Threads>,
}

#[derive(Debug, Default)]
struct Threads {
    /// The threads that joined and have not ended, by their place; `None`: a free place.
    running: Vec<Option<ThreadCpu>>,
    /// What the threads that ended used, summed.
    ended: Duration,
    /// A thread ended whose CPU time could never be read: the total cannot be known.
    ended_unknown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ThreadCpu {
    /// Running: read from `/proc/self/task/<tid>/stat`. `last` is the latest reading, which
    /// stands while a reading fails; `None` until one has succeeded (the thread's CPU time is
    /// not known until then, and is not 0).
    Running { tid: u32, last: Option<Duration> },
    /// Its CPU time cannot be read (no `/proc`): so the total cannot either.
    Unknown,
}

fn lock(threads: &Mutex<Threads>) -> MutexGuard<'_, Threads> {
    // Every update leaves a valid entry: a panic elsewhere loses nothing worth propagating.
    threads
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ThreadsCpu {
    /// Counts the calling thread's CPU time from now on. When the returned guard is dropped
    /// (on this thread: it cannot be sent to another), its CPU time so far is kept, and the
    /// thread's id, which the kernel may give to another thread once it ends, is not read again.
    pub(crate) fn join(self: &Arc<Self>) -> Joined {
        let entry = current_tid().map_or(ThreadCpu::Unknown, |tid| ThreadCpu::Running {
            tid,
            last: None,
        });
        let mut threads = lock(&self.threads);
        let index = match threads.running.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                threads.running.push(None);
                threads.running.len() - 1
            }
        };
        threads.running[index] = Some(entry);
        Joined {
            set: Arc::clone(self),
            index,
            _on_this_thread: PhantomData,
        }
    }

    /// The CPU time the threads have used, summed; zero before any joined, `None` when one
    /// cannot be read (no `/proc`).
    #[cfg(test)]
    pub(crate) fn total(&self) -> Option<Duration> {
        self.total_with(Source::PROC.thread_cpu)
    }

    /// How many threads are in the set now.
    #[cfg(test)]
    pub(crate) fn running_threads(&self) -> usize {
        lock(&self.threads).running.iter().flatten().count()
    }

    /// [`ThreadsCpu::total`], reading a running thread's CPU time with `read`.
    pub(crate) fn total_with(&self, read: impl Fn(u32) -> Option<Duration>) -> Option<Duration> {
        let mut threads = lock(&self.threads);
        let mut sum = (!threads.ended_unknown).then_some(threads.ended);
        // Every running thread is read, even once the sum is unknown: each keeps its latest.
        for thread in threads.running.iter_mut().flatten() {
            let cpu = match thread {
                ThreadCpu::Running { tid, last } => {
                    if let Some(now) = read(*tid) {
                        *last = (*last).max(Some(now));
                    }
                    *last
                }
                ThreadCpu::Unknown => None,
            };
            sum = sum.zip(cpu).map(|(sum, cpu)| sum.saturating_add(cpu));
        }
        sum
    }

    /// The thread at `index` ended, having used `cpu` (`None`: not readable, its last reading
    /// stands; with none, what it used is not known).
    fn end(&self, index: usize, cpu: Option<Duration>) {
        let mut threads = lock(&self.threads);
        let Some(thread) = threads.running.get_mut(index).and_then(Option::take) else {
            return;
        };
        let last = match thread {
            ThreadCpu::Running { last, .. } => last,
            ThreadCpu::Unknown => None,
        };
        // The larger of the two, and whichever is known (`None` orders below any reading).
        match cpu.max(last) {
            Some(used) => threads.ended = threads.ended.saturating_add(used),
            None => threads.ended_unknown = true,
        }
    }
}

/// A thread's membership of a [`ThreadsCpu`]; dropping it (on the thread) ends it.
#[derive(Debug)]
pub(crate) struct Joined {
    set: Arc<ThreadsCpu>,
    index: usize,
    /// Not `Send`: the drop reads the CPU time of the thread it runs on.
    _on_this_thread: PhantomData<*const ()>,
}

impl Drop for Joined {
    fn drop(&mut self) {
        self.set.end(self.index, own_thread_cpu());
    }
}

thread_local! {
    /// The membership of a thread that joined through [`join_this_thread`].
    static MEMBERSHIP: RefCell<Option<Joined>> = const { RefCell::new(None) };
}

/// The calling thread joins `set` until [`leave_this_thread`]: for threads that are not the
/// caller's to hold a [`Joined`] on, such as a tokio runtime's blocking-pool threads (from its
/// `on_thread_start` and `on_thread_stop` hooks). A membership it held before ends first.
pub(crate) fn join_this_thread(set: &Arc<ThreadsCpu>) {
    let joined = set.join();
    // Taken out before it is dropped: its drop takes the set's lock, not this cell.
    // (Where this thread's storage is already gone, as it ends, the new one ends at once.)
    let before = MEMBERSHIP.try_with(|m| m.borrow_mut().replace(joined));
    drop(before);
}

/// Ends the calling thread's [`join_this_thread`] membership, keeping what it used.
pub(crate) fn leave_this_thread() {
    let joined = MEMBERSHIP.try_with(|m| m.borrow_mut().take());
    drop(joined);
}

/// Where the generator reads its own figures: `/proc` ([`Source::PROC`]); tests give one that
/// cannot be read, as on another OS or in a locked-down container.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    /// The CPU time a running thread of this process (by its id) has used so far.
    pub(crate) thread_cpu: fn(u32) -> Option<Duration>,
    /// Resident set size of this process, bytes.
    pub(crate) rss: fn() -> Option<u64>,
}

impl Source {
    /// This process's `/proc`.
    pub(crate) const PROC: Self = Self {
        thread_cpu,
        rss: process_rss,
    };

    /// Nothing can be read.
    #[cfg(test)]
    pub(crate) const UNREADABLE: Self = Self {
        thread_cpu: |_| None,
        rss: || None,
    };
}

/// Resident set size of this process (all of it, whatever runs in it), bytes; `None` where it
/// cannot be read.
pub(crate) fn process_rss() -> Option<u64> {
    process_rss_from(|path| std::fs::read_to_string(path).ok())
}

/// [`process_rss`] from the files `read` gives (`None` for one it cannot read).
fn process_rss_from(read: impl FnOnce(&str) -> Option<String>) -> Option<u64> {
    rss_from_status(&read("/proc/self/status")?)
}

/// The resident set size in a `/proc/<pid>/status` text (its `VmRSS:` line), bytes; `None`
/// when it does not say (a kernel thread, a zombie, anything but a number of kB). The one
/// reading of a process's RSS: statm counts pages, whose size is 4 KiB on some kernels and
/// 16 or 64 KiB on others, while status says kB (KiB) everywhere.
pub fn rss_from_status(status: &str) -> Option<u64> {
    kib_field(status, "VmRSS")
}

/// The `key:` line of a `/proc` text that counts in kB (`/proc/<pid>/status`,
/// `/proc/meminfo`), bytes (the kernel's "kB" is KiB); `None` unless it reads exactly as a
/// number of kB that fits.
pub fn kib_field(text: &str, key: &str) -> Option<u64> {
    let rest = text
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?;
    let mut fields = rest.split_whitespace();
    let (kib, unit) = (fields.next()?, fields.next()?);
    if unit != "kB" || fields.next().is_some() {
        return None;
    }
    kib.parse::<u64>().ok()?.checked_mul(1024)
}

/// Cores this process may use, as `available_parallelism` counts them: a cgroup CPU quota is
/// rounded down to whole cores (at least one), so under 0.5 or 1.5 CPUs this says 1. What the
/// generator reports as its cores; [`cpu_capacity`] is what it can really use.
pub fn cores() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// The CPU time this process can use per second of wall time, in cores, fractions kept: the
/// CPUs its affinity mask allows, capped by its cgroup CPU quota (`cpu.max` in cgroup v2,
/// `cpu.cfs_quota_us` / `cpu.cfs_period_us` in v1, the smallest along the cgroup's ancestors).
/// 0.5 in a pod limited to `500m`, 1.5 under `docker run --cpus 1.5`. Without a quota that can
/// be read, [`cores`] as it is.
pub(crate) fn cpu_capacity() -> f64 {
    let Some(quota) = cgroup_quota() else {
        return f64::from(cores());
    };
    let cpus = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| affinity_cpus(&s))
        .unwrap_or_else(cores);
    f64::from(cpus).min(quota)
}

/// The quota of this process's cgroup, in cores, from cgroup v2 or else the v1 `cpu`
/// controller; `None` when there is none or it cannot be read.
fn cgroup_quota() -> Option<f64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    // Where mountinfo cannot be read, the usual mount points.
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok();
    let v2 = v2_path(&cgroup).and_then(|path| {
        let (root, mount) = match &mountinfo {
            Some(m) => cgroup_mount(m, CgroupVersion::V2)?,
            None => ("/".to_owned(), "/sys/fs/cgroup".to_owned()),
        };
        let mount = Path::new(&mount);
        smallest_quota(relative_to_root(path, &root)?, |dir| {
            parse_cpu_max(&std::fs::read_to_string(cgroup_file(mount, dir, "cpu.max")).ok()?)
        })
    });
    v2.or_else(|| {
        let path = v1_cpu_path(&cgroup)?;
        let (root, mount) = match &mountinfo {
            Some(m) => cgroup_mount(m, CgroupVersion::V1Cpu)?,
            None => ("/".to_owned(), "/sys/fs/cgroup/cpu".to_owned()),
        };
        let mount = Path::new(&mount);
        smallest_quota(relative_to_root(path, &root)?, |dir| {
            let read = |name| std::fs::read_to_string(cgroup_file(mount, dir, name)).ok();
            parse_cfs_quota(&read("cpu.cfs_quota_us")?, &read("cpu.cfs_period_us")?)
        })
    })
}

/// `name` in the cgroup directory `dir` (a path from the hierarchy's root, `/` itself for the
/// root) of the hierarchy mounted at `mount`.
fn cgroup_file(mount: &Path, dir: &str, name: &str) -> std::path::PathBuf {
    mount.join(dir.trim_start_matches('/')).join(name)
}

/// Counts the CPUs in the `Cpus_allowed_list:` line of `/proc/self/status` (`0-3,8,10-11`).
fn affinity_cpus(status: &str) -> Option<u32> {
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
        .trim();
    let mut count: u32 = 0;
    for part in list.split(',') {
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
            None => {
                let n = part.trim().parse::<u32>().ok()?;
                (n, n)
            }
        };
        count = count.checked_add(last.checked_sub(first)?.checked_add(1)?)?;
    }
    (count > 0).then_some(count)
}

/// The cgroup v2 path in `/proc/self/cgroup` (its `0::/path` line).
fn v2_path(cgroup: &str) -> Option<&str> {
    cgroup.lines().find_map(|l| l.strip_prefix("0::"))
}

/// The path of the cgroup v1 hierarchy holding the `cpu` controller in `/proc/self/cgroup`
/// (a line such as `4:cpu,cpuacct:/path`).
fn v1_cpu_path(cgroup: &str) -> Option<&str> {
    cgroup.lines().find_map(|l| {
        let mut fields = l.splitn(3, ':');
        let (_id, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        controllers.split(',').any(|c| c == "cpu").then_some(path)
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CgroupVersion {
    V2,
    /// The v1 hierarchy with the `cpu` controller.
    V1Cpu,
}

/// The root (the cgroup it shows) and the mount point of the cgroup hierarchy of `version` in
/// `/proc/self/mountinfo`, the first one listed.
fn cgroup_mount(mountinfo: &str, version: CgroupVersion) -> Option<(String, String)> {
    mountinfo.lines().find_map(|line| {
        // "id parent major:minor root mount-point options [optional...] - type source super-options"
        let (before, after) = line.split_once(" - ")?;
        let before: Vec<&str> = before.split(' ').collect();
        let mut after = after.split(' ');
        let (fstype, _source, super_options) = (after.next()?, after.next()?, after.next()?);
        let wanted = match version {
            CgroupVersion::V2 => fstype == "cgroup2",
            CgroupVersion::V1Cpu => {
                fstype == "cgroup" && super_options.split(',').any(|o| o == "cpu")
            }
        };
        if !wanted {
            return None;
        }
        Some((unescape(before.get(3)?), unescape(before.get(4)?)))
    })
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let code = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .and_then(|d| {
                u8::try_from(d.iter().fold(0u32, |n, b| n * 8 + u32::from(b - b'0'))).ok()
            });
        match code {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` (from `/proc/self/cgroup`) as a path from the root of a mount that shows the cgroup
/// `root` (from mountinfo; `/` unless only a subtree is mounted, as in some containers).
/// `None` when the cgroup is not under that root, or the path leaves it (`..`, shown for a
/// cgroup outside the process's cgroup namespace).
fn relative_to_root<'a>(path: &'a str, root: &str) -> Option<&'a str> {
    if !path.starts_with('/') || path.split('/').any(|c| c == "..") {
        return None;
    }
    let root = root.trim_end_matches('/');
    if root.is_empty() {
        return Some(path);
    }
    match path.strip_prefix(root)? {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        // `/docker/abc` is not under `/docker/ab`.
        _ => None,
    }
}

/// The smallest quota of the cgroup `path` (from its hierarchy's root) and its ancestors up to
/// that root: each limits the processes below it. `quota_at` reads the quota of one directory
/// (`None`: no limit, or nothing readable there).
fn smallest_quota(path: &str, mut quota_at: impl FnMut(&str) -> Option<f64>) -> Option<f64> {
    let mut dir = path.trim_end_matches('/');
    let mut smallest: Option<f64> = None;
    loop {
        let here = if dir.is_empty() { "/" } else { dir };
        if let Some(q) = quota_at(here) {
            smallest = Some(smallest.map_or(q, |s| s.min(q)));
        }
        match dir.rsplit_once('/') {
            Some((parent, _)) => dir = parent,
            None => return smallest,
        }
    }
}

/// A cgroup v2 `cpu.max` (`$MAX $PERIOD`, microseconds) as cores; `None` for `max` (no limit)
/// or anything that does not read as a positive quota and period.
fn parse_cpu_max(contents: &str) -> Option<f64> {
    let mut fields = contents.split_whitespace();
    let (quota, period) = (fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    ratio(quota, period)
}

/// A cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` as cores; `None` for `-1` (no limit)
/// or anything that does not read as a positive quota and period.
fn parse_cfs_quota(quota: &str, period: &str) -> Option<f64> {
    ratio(quota.trim(), period.trim())
}

fn ratio(quota: &str, period: &str) -> Option<f64> {
    let (quota, period) = (quota.parse::<u64>().ok()?, period.parse::<u64>().ok()?);
    if quota == 0 || period == 0 {
        return None;
    }
    Some(quota as f64 / period as f64)
}

/// Keeps the calling thread busy until it has used `cpu` more CPU time (a test helper for
/// Linux: it reads /proc/thread-self/stat to know). `false`, at once, where that cannot be read.
#[cfg(test)]
pub(crate) fn burn(cpu: Duration) -> bool {
    let Some(start) = own_thread_cpu() else {
        return false;
    };
    while own_thread_cpu().is_some_and(|now| now < start + cpu) {
        std::hint::black_box((0..1000u64).sum::<u64>());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{
        CgroupVersion, ThreadCpu, ThreadsCpu, affinity_cpus, burn, cgroup_mount, cpu_from_stat,
        own_thread_cpu, parse_cfs_quota, parse_cpu_max, process_rss_from, relative_to_root,
        rss_from_status, smallest_quota, tid_from_link, v1_cpu_path, v2_path,
    };
    use std::path::Path;
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    #[test]
    fn cpu_time_is_read_from_a_stat_line() {
        let ms = Duration::from_millis;
        let line = |comm: &str, utime: &str, stime: &str| {
            format!(
                "4242 ({comm}) S 1 4242 4242 0 -1 4194560 500 0 0 0 {utime} {stime} 0 0 20 0 3 0 12345 1000000 250 18446744073709551615\n"
            )
        };
        for (comm, utime, stime, want) in [
            ("stampede", "150", "50", Some(ms(2000))),
            ("stampede-worker", "0", "0", Some(ms(0))),
            // The command name may hold spaces and parentheses.
            ("a) b (c", "1", "2", Some(ms(30))),
            ("x", "-1", "2", None),
            ("x", "1", "two", None),
            ("x", "18446744073709551615", "1", None),
            ("x", "1844674407370955162", "0", None),
        ] {
            assert_eq!(
                cpu_from_stat(&line(comm, utime, stime)),
                want,
                "{comm} {utime} {stime}"
            );
        }
        for odd in [
            "",
            "4242 (x) S 1 2 3",
            "no parenthesis 1 2 3 4 5 6 7 8 9 10 11 12 13",
        ] {
            assert_eq!(cpu_from_stat(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn the_thread_id_is_read_from_proc_thread_self() {
        for (link, want) in [
            ("4242/task/4250", Some(4250)),
            ("1/task/1", Some(1)),
            ("4242/task/0", None),
            ("4242/task/", None),
            ("4242/task/x", None),
            ("4242", None),
            ("", None),
        ] {
            assert_eq!(tid_from_link(Path::new(link)), want, "{link:?}");
        }
    }

    /// The threads' total: a running thread's latest reading (which stands while one fails or
    /// goes backwards), what the ended ones used, unknown if one cannot be read at all.
    #[test]
    fn the_threads_cpu_adds_up_what_each_used() {
        let ms = Duration::from_millis;
        let running = |tid, last| ThreadCpu::Running {
            tid,
            last: Some(last),
        };
        let fresh = |tid| ThreadCpu::Running { tid, last: None };
        // (what, running threads, CPU ms of the ended ones, CPU ms of the threads that can be
        // read, total)
        type Case = (
            &'static str,
            Vec<ThreadCpu>,
            u64,
            Vec<(u32, u64)>,
            Option<Duration>,
        );
        let cases: Vec<Case> = vec![
            ("none joined yet", vec![], 0, vec![], Some(ms(0))),
            (
                "running ones as read now",
                vec![running(10, ms(0)), running(11, ms(100))],
                0,
                vec![(10, 300), (11, 200)],
                Some(ms(500)),
            ),
            (
                "an unreadable one keeps its last reading",
                vec![running(10, ms(70)), running(11, ms(0))],
                0,
                vec![(11, 30)],
                Some(ms(100)),
            ),
            (
                "a reading that goes backwards does not count",
                vec![running(10, ms(70))],
                0,
                vec![(10, 20)],
                Some(ms(70)),
            ),
            (
                "ended ones count what they used",
                vec![running(11, ms(0))],
                400,
                vec![(11, 100)],
                Some(ms(500)),
            ),
            (
                "one that cannot be read at all: unknown",
                vec![running(10, ms(0)), ThreadCpu::Unknown],
                0,
                vec![(10, 100)],
                None,
            ),
            (
                "one never read yet, read now",
                vec![fresh(10)],
                0,
                vec![(10, 30)],
                Some(ms(30)),
            ),
            (
                "one never read, and unreadable: unknown, not 0",
                vec![running(10, ms(10)), fresh(11)],
                0,
                vec![(10, 20)],
                None,
            ),
        ];
        for (what, threads, ended, readable, want) in cases {
            let set = set_of(threads, ms(ended));
            let read = |tid| {
                readable
                    .iter()
                    .find(|(t, _)| *t == tid)
                    .map(|(_, cpu)| ms(*cpu))
            };
            assert_eq!(set.total_with(read), want, "{what}");
            // Read again with nothing readable: the last readings stand.
            assert_eq!(set.total_with(|_| None), want, "{what}, again");
        }
        let set = set_of(vec![running(10, ms(50)), running(11, ms(5))], ms(0));
        set.end(0, Some(ms(80)));
        assert_eq!(set.total_with(|_| None), Some(ms(85)), "one ended");
        set.end(0, Some(ms(999)));
        assert_eq!(set.total_with(|_| None), Some(ms(85)), "it ends once");
        let set = set_of(vec![running(10, ms(50))], ms(0));
        set.end(0, None);
        assert_eq!(
            set.total_with(|_| None),
            Some(ms(50)),
            "unreadable at its end"
        );
        let set = set_of(vec![fresh(10)], ms(0));
        set.end(0, Some(ms(40)));
        assert_eq!(set.total_with(|_| None), Some(ms(40)), "read at its end");
        let set = set_of(vec![fresh(10)], ms(0));
        set.end(0, None);
        assert_eq!(set.total_with(|_| Some(ms(1))), None, "never read at all");
    }

    fn set_of(running: Vec<ThreadCpu>, ended: Duration) -> ThreadsCpu {
        ThreadsCpu {
            threads: std::sync::Mutex::new(super::Threads {
                running: running.into_iter().map(Some).collect(),
                ended,
                ended_unknown: false,
            }),
        }
    }

    /// Threads that come and go (a blocking pool's helpers) keep what they used in the total
    /// once they end, and their places are taken again: the list does not grow with them.
    #[test]
    fn ended_threads_keep_counting_and_free_their_place() {
        if own_thread_cpu().is_none() {
            return; // No /proc (another OS).
        }
        let set = Arc::<ThreadsCpu>::default();
        let mut totals = Vec::new();
        for _ in 0..3 {
            std::thread::spawn({
                let set = Arc::clone(&set);
                move || {
                    super::join_this_thread(&set);
                    assert!(burn(Duration::from_millis(50)));
                    super::leave_this_thread();
                }
            })
            .join()
            .expect("the helper ends");
            totals.push(set.total().expect("readable"));
        }
        assert!(totals[0] >= Duration::from_millis(50), "{totals:?}");
        assert!(totals[2] >= Duration::from_millis(150), "{totals:?}");
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
        assert_eq!(
            super::lock(&set.threads).running.len(),
            1,
            "one place, reused"
        );
    }

    /// A thread that joined counts, while it runs and after it ended; a thread that did not
    /// join (the rest of the process) does not.
    #[test]
    fn only_the_threads_that_joined_count() {
        if own_thread_cpu().is_none() {
            return; // No /proc (another OS).
        }
        let set = Arc::<ThreadsCpu>::default();
        assert_eq!(set.total(), Some(Duration::ZERO));
        let (burnt_tx, burnt_rx) = mpsc::channel();
        let (end_tx, end_rx) = mpsc::channel::<()>();
        let member = std::thread::spawn({
            let set = Arc::clone(&set);
            move || {
                let joined = set.join();
                assert!(burn(Duration::from_millis(200)));
                burnt_tx.send(()).expect("the test waits");
                end_rx.recv().expect("the test says when");
                drop(joined);
            }
        });
        burnt_rx.recv().expect("the member burns");
        let running = set.total().expect("readable");
        assert!(running >= Duration::from_millis(200), "{running:?}");
        end_tx.send(()).expect("the member waits");
        member.join().expect("the member ends");
        let ended = set.total().expect("readable");
        assert!(ended >= running, "{ended:?} < {running:?}");
        // This thread never joined: what it uses is not the set's.
        assert!(burn(Duration::from_millis(200)));
        assert_eq!(set.total(), Some(ended));
    }

    #[test]
    fn rss_is_read_from_proc_status_in_kib() {
        let status = |rss: &str| format!("Name:\tstampede\nVmHWM:\t   900 kB\n{rss}Threads:\t3\n");
        for (line, want) in [
            ("VmRSS:\t   300 kB\n", Some(300 * 1024)),
            ("VmRSS: 1 kB\n", Some(1024)),
            ("VmRSS:\t0 kB\n", Some(0)),
            // A kernel thread or a zombie has no VmRSS line.
            ("", None),
            ("VmRSS:\n", None),
            ("VmRSS:\t300\n", None),
            ("VmRSS:\t300 MB\n", None),
            ("VmRSS:\t300 kB extra\n", None),
            ("VmRSS:\t-3 kB\n", None),
            ("VmRSS:\tlots kB\n", None),
            ("VmRSS:\t18446744073709551615 kB\n", None),
            // Another key that starts the same way is not it.
            ("VmRSSFile:\t300 kB\n", None),
        ] {
            assert_eq!(rss_from_status(&status(line)), want, "{line:?}");
        }
        assert_eq!(rss_from_status(""), None);
    }

    /// The generator's RSS comes from /proc/self/status's kB, not statm's pages (4 KiB on some
    /// kernels, 16 or 64 KiB on others).
    #[test]
    fn the_generator_reads_its_rss_from_proc_status() {
        let files = |path: &str| match path {
            "/proc/self/status" => Some("Name:\tstampede\nVmRSS:\t  2048 kB\n".to_owned()),
            // Pages of a size the process cannot know from this file: not what counts.
            "/proc/self/statm" => Some("9000 1000 100 1 0 200 0\n".to_owned()),
            _ => None,
        };
        assert_eq!(process_rss_from(files), Some(2048 * 1024));
        assert_eq!(process_rss_from(|_| None), None);
    }

    #[test]
    fn reads_own_usage_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::own_thread_cpu().is_some());
            let tid = super::current_tid().expect("a thread id");
            assert!(super::thread_cpu(tid).is_some());
            assert!(super::process_rss().is_some_and(|rss| rss > 0));
        }
        assert!(super::cores() >= 1);
        let capacity = super::cpu_capacity();
        assert!(
            capacity > 0.0 && capacity < f64::from(super::cores()) + 1.0,
            "{capacity}"
        );
    }

    #[test]
    fn cgroup_v2_cpu_max_reads_as_cores() {
        for (contents, want) in [
            ("50000 100000\n", Some(0.5)),
            ("150000 100000", Some(1.5)),
            ("200000 100000\n", Some(2.0)),
            ("max 100000\n", None),
            ("max", None),
            ("", None),
            ("50000", None),
            ("-1 100000", None),
            ("0 100000", None),
            ("50000 0", None),
            ("50000 100000 7", None),
            ("1.5 1", None),
            ("lots 100000", None),
            ("99999999999999999999999 100000", None),
        ] {
            assert_eq!(parse_cpu_max(contents), want, "{contents:?}");
        }
    }

    #[test]
    fn cgroup_v1_cfs_quota_reads_as_cores() {
        for (quota, period, want) in [
            ("50000\n", "100000\n", Some(0.5)),
            ("150000", "100000", Some(1.5)),
            ("-1\n", "100000\n", None),
            ("", "100000", None),
            ("50000", "", None),
            ("50000", "0", None),
            ("half", "100000", None),
        ] {
            assert_eq!(
                parse_cfs_quota(quota, period),
                want,
                "{quota:?} / {period:?}"
            );
        }
    }

    #[test]
    fn the_smallest_quota_along_the_ancestors_counts() {
        let k8s = "/kubepods/burstable/pod1/c1";
        let pod = "/kubepods/burstable/pod1";
        let k8s_dirs = [k8s, pod, "/kubepods/burstable", "/kubepods", "/"];
        /// A case, the cgroup path, the quota per directory, the smallest, the directories read.
        type Case<'a> = (
            &'a str,
            &'a str,
            Vec<(&'a str, f64)>,
            Option<f64>,
            Vec<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                "the container's own",
                k8s,
                vec![(k8s, 1.5)],
                Some(1.5),
                k8s_dirs.to_vec(),
            ),
            (
                "the pod's is smaller",
                k8s,
                vec![(k8s, 1.5), (pod, 0.5)],
                Some(0.5),
                k8s_dirs.to_vec(),
            ),
            (
                "the container's is smaller",
                k8s,
                vec![(k8s, 0.5), (pod, 1.5)],
                Some(0.5),
                k8s_dirs.to_vec(),
            ),
            (
                "only an ancestor has one",
                k8s,
                vec![("/kubepods", 3.0)],
                Some(3.0),
                k8s_dirs.to_vec(),
            ),
            ("none anywhere", k8s, vec![], None, k8s_dirs.to_vec()),
            (
                "the root itself",
                "/",
                vec![("/", 2.0)],
                Some(2.0),
                vec!["/"],
            ),
            (
                "a trailing slash",
                "/a/",
                vec![("/a", 0.25)],
                Some(0.25),
                vec!["/a", "/"],
            ),
        ];
        for (case, path, quotas, want, dirs) in cases {
            let mut read = Vec::new();
            let got = smallest_quota(path, |dir| {
                read.push(dir.to_owned());
                quotas.iter().find(|(d, _)| *d == dir).map(|(_, q)| *q)
            });
            assert_eq!(got, want, "{case}");
            assert_eq!(read, dirs, "{case}: directories read");
        }
    }

    #[test]
    fn proc_self_cgroup_names_the_cgroup() {
        let v2 = "0::/kubepods.slice/pod1.slice/cri-abc.scope\n";
        assert_eq!(
            v2_path(v2),
            Some("/kubepods.slice/pod1.slice/cri-abc.scope")
        );
        assert_eq!(v1_cpu_path(v2), None);
        let hybrid =
            "9:name=systemd:/\n4:memory:/m\n2:cpuacct:/a\n1:cpu,cpuacct:/docker/abc\n0::/\n";
        assert_eq!(v2_path(hybrid), Some("/"));
        assert_eq!(v1_cpu_path(hybrid), Some("/docker/abc"));
        // `cpuacct` and `cpuset` are not `cpu`.
        assert_eq!(v1_cpu_path("3:cpuset:/s\n2:cpuacct:/a\n"), None);
        for odd in ["", "garbage", "0:", "::::", "\n\n"] {
            assert_eq!(v2_path(odd), None, "{odd:?}");
            assert_eq!(v1_cpu_path(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn mountinfo_names_the_cgroup_mounts() {
        let hybrid = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct
33 31 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        let pair = |r: &str, m: &str| Some((r.to_owned(), m.to_owned()));
        assert_eq!(
            cgroup_mount(hybrid, CgroupVersion::V2),
            pair("/", "/sys/fs/cgroup/unified")
        );
        assert_eq!(
            cgroup_mount(hybrid, CgroupVersion::V1Cpu),
            pair("/docker/abc", "/sys/fs/cgroup/cpu,cpuacct")
        );
        let escaped = "1 0 0:1 / /mnt/my\\040cgroup rw - cgroup2 none rw\n";
        assert_eq!(
            cgroup_mount(escaped, CgroupVersion::V2),
            pair("/", "/mnt/my cgroup")
        );
        for odd in ["", "1 2 3", "1 0 0:1 / - cgroup2", "- cgroup2 x y", "\\"] {
            assert_eq!(cgroup_mount(odd, CgroupVersion::V2), None, "{odd:?}");
        }
    }

    #[test]
    fn the_cgroup_path_is_taken_from_the_mounted_root() {
        for (path, root, want) in [
            ("/kubepods/pod1/c1", "/", Some("/kubepods/pod1/c1")),
            ("/", "/", Some("/")),
            ("/docker/abc", "/docker/abc", Some("/")),
            ("/docker/abc/sub", "/docker/abc/", Some("/sub")),
            ("/docker/abcd", "/docker/abc", None),
            ("/other", "/docker/abc", None),
            ("/../../user.slice", "/", None),
            ("relative", "/", None),
            ("", "/", None),
        ] {
            assert_eq!(relative_to_root(path, root), want, "{path} under {root}");
        }
    }

    #[test]
    fn the_affinity_list_is_counted() {
        for (list, want) in [
            ("0-1", Some(2)),
            ("0", Some(1)),
            ("0-3,8,10-11", Some(7)),
            ("", None),
            ("3-1", None),
            ("0-", None),
            ("a-b", None),
            ("0-4294967295", None),
            ("0-4294967294,0-4294967294", None),
        ] {
            let status = format!(
                "Name:\tstampede\nCpus_allowed:\tff\nCpus_allowed_list:\t{list}\nMems_allowed_list:\t0\n"
            );
            assert_eq!(affinity_cpus(&status), want, "{list:?}");
        }
        assert_eq!(affinity_cpus("Name:\tstampede\n"), None);
    }
}
