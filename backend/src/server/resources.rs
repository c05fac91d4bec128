//! Host resources of the generator machine, read from `/proc` (Linux). A figure that cannot be
//! read (another OS, a container without /proc) is `None`, shown as `null`.

use std::sync::{Arc, Mutex};

use shared::api::HostResources;

/// Remembers the previous CPU reading so each call reports use since the last one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sampler {
    last: Arc<Mutex<Option<CpuTicks>>>,
}

/// Clock ticks of the whole host from the aggregate `cpu` line of /proc/stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CpuTicks {
    /// Ticks not spent busy: idle and iowait.
    idle: u64,
    /// All ticks.
    total: u64,
}

/// Parses the first (aggregate) line of /proc/stat:
/// `cpu user nice system idle iowait irq softirq steal guest guest_nice`.
/// `guest` and `guest_nice` are already counted in `user` and `nice`, so they are left out of
/// the total; fields a kernel does not have count as 0. `None` unless the line starts with
/// `cpu` and has at least the first four fields, all numbers.
fn parse_cpu_ticks(stat: &str) -> Option<CpuTicks> {
    let mut fields = stat.lines().next()?.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let v = fields
        .map(str::parse::<u64>)
        .collect::<Result<Vec<u64>, _>>()
        .ok()?;
    if v.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal
    let total = v.iter().take(8).fold(0u64, |sum, n| sum.saturating_add(*n));
    // idle + iowait are not busy.
    let idle = v[3].saturating_add(v.get(4).copied().unwrap_or(0));
    Some(CpuTicks { idle, total })
}

/// Busy share of the host's CPU time between two readings, percent; `None` when no time
/// passed between them (same tick) or a counter went backwards (a reset, or a kernel's idle
/// accounting), rather than a made-up 0% or a wrapped subtraction.
fn cpu_percent(before: CpuTicks, now: CpuTicks) -> Option<f64> {
    let total = now.total.checked_sub(before.total).filter(|t| *t > 0)?;
    let idle = now.idle.checked_sub(before.idle)?;
    let busy = total.checked_sub(idle)?;
    Some(busy as f64 / total as f64 * 100.0)
}

/// The host's CPUs: the `cpuN` lines of /proc/stat (after the aggregate `cpu` line). `None`
/// when there is none.
fn host_cores(stat: &str) -> Option<u32> {
    let count = stat
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .and_then(|name| name.strip_prefix("cpu"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count();
    u32::try_from(count).ok().filter(|n| *n > 0)
}

/// An interface's line of /proc/net/dev: its name and its bytes received and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NetDevice {
    name: String,
    rx: u64,
    tx: u64,
}

/// The interfaces of /proc/net/dev, loopback left out; `None` when no line could be read.
fn net_devices(text: &str) -> Option<Vec<NetDevice>> {
    let mut read_any = false;
    let mut devices = Vec::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let Ok(f) = rest
            .split_whitespace()
            .map(str::parse::<u64>)
            .collect::<Result<Vec<u64>, _>>()
        else {
            continue;
        };
        let (Some(rx), Some(tx)) = (f.first(), f.get(8)) else {
            continue;
        };
        read_any = true;
        let name = name.trim();
        if name != "lo" {
            devices.push(NetDevice {
                name: name.to_owned(),
                rx: *rx,
                tx: *tx,
            });
        }
    }
    read_any.then_some(devices)
}

/// The interfaces whose traffic counts (see [`HostResources::net_interfaces`]): of `devices`,
/// those not in `virtual_names` (the entries of /sys/devices/virtual/net, `None` when it
/// cannot be listed); all of them when none is physical or that is not known.
fn counted(devices: Vec<NetDevice>, virtual_names: Option<&[String]>) -> Vec<NetDevice> {
    let Some(virtual_names) = virtual_names else {
        return devices;
    };
    let (physical, virtual_ones): (Vec<NetDevice>, Vec<NetDevice>) = devices
        .into_iter()
        .partition(|d| !virtual_names.contains(&d.name));
    if physical.is_empty() {
        virtual_ones
    } else {
        physical
    }
}

/// Where the kernel lists the virtual network interfaces.
const VIRTUAL_NET: &str = "/sys/devices/virtual/net";

impl Sampler {
    pub(crate) fn sample(&self) -> HostResources {
        self.sample_from(
            |path| std::fs::read_to_string(path).ok(),
            |dir| {
                let entries = std::fs::read_dir(dir).ok()?;
                Some(
                    entries
                        .filter_map(|e| e.ok()?.file_name().into_string().ok())
                        .collect(),
                )
            },
        )
    }

    /// The figures from the files `read` gives and the directories `list` lists (`None` for
    /// one it cannot read). A figure that cannot be read is `None`, never a 0 that looks
    /// measured.
    fn sample_from(
        &self,
        read: impl Fn(&str) -> Option<String>,
        list: impl Fn(&str) -> Option<Vec<String>>,
    ) -> HostResources {
        let stat = read("/proc/stat");
        let now = stat.as_deref().and_then(parse_cpu_ticks);
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The first reading is compared with boot, when every counter was 0.
        let since = last.unwrap_or(CpuTicks { idle: 0, total: 0 });
        let cpu_percent = now.and_then(|now| cpu_percent(since, now));
        if now.is_some() {
            *last = now;
        }
        drop(last);
        let mem = read("/proc/meminfo");
        let net = read("/proc/net/dev")
            .as_deref()
            .and_then(net_devices)
            .map(|devices| counted(devices, list(VIRTUAL_NET).as_deref()));
        let load = read("/proc/loadavg")
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .filter(|l| l.is_finite());
        let rss = read("/proc/self/status")
            .as_deref()
            .and_then(engine::monitor::rss_from_status);
        let sum = |bytes: fn(&NetDevice) -> u64| {
            net.as_ref()
                .map(|n| n.iter().fold(0u64, |sum, d| sum.saturating_add(bytes(d))))
        };
        HostResources {
            cpu_percent,
            host_cores: stat.as_deref().and_then(host_cores),
            cores: engine::monitor::cores(),
            memory_total_bytes: mem
                .as_deref()
                .and_then(|m| engine::monitor::kib_field(m, "MemTotal")),
            memory_available_bytes: mem
                .as_deref()
                .and_then(|m| engine::monitor::kib_field(m, "MemAvailable")),
            process_rss_bytes: rss,
            net_rx_bytes: sum(|d| d.rx),
            net_tx_bytes: sum(|d| d.tx),
            net_interfaces: net.iter().flatten().map(|d| d.name.clone()).collect(),
            load_avg_1m: load,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        CpuTicks, NetDevice, Sampler, VIRTUAL_NET, counted, cpu_percent, host_cores, net_devices,
        parse_cpu_ticks,
    };

    /// The host's CPUs are its `cpuN` lines, whatever this process may use.
    #[test]
    fn host_cores_are_counted_from_proc_stat() {
        for (stat, want) in [
            (
                "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 5\n",
                Some(2),
            ),
            ("cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu17 1 2 3 4\n", Some(2)),
            ("cpu  1 2 3 4\n", None),
            ("cpufreq 1\ncpux 1\ncpu 1\n", None),
            ("", None),
        ] {
            assert_eq!(host_cores(stat), want, "{stat:?}");
        }
    }

    /// Only physical interfaces count: the traffic of virtual ones (veth pairs, bridges,
    /// tunnels) also crosses a physical one or never leaves the host. Where none is physical
    /// (a container) or that cannot be known, every one but loopback.
    #[test]
    fn network_totals_count_the_physical_interfaces() {
        let dev = concat!(
            "Inter-|   Receive                            |  Transmit\n",
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
            "    lo: 5000 1 0 0 0 0 0 0 5000 1 0 0 0 0 0 0\n",
            "  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n",
            "docker0: 30 1 0 0 0 0 0 0 40 1 0 0 0 0 0 0\n",
            "  veth1a2b: 30 1 0 0 0 0 0 0 40 1 0 0 0 0 0 0\n",
            "  wlan0:7 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0\n",
            "  bad: x 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0\n",
        );
        let container = concat!(
            "Inter-|\n face |\n",
            "    lo: 5000 1 0 0 0 0 0 0 5000 1 0 0 0 0 0 0\n",
            "  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n",
        );
        let only_lo = "Inter-|\n face |\n    lo: 5000 1 0 0 0 0 0 0 5000 1 0 0 0 0 0 0\n";
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
        let host_virtual = names(&["lo", "docker0", "veth1a2b"]);
        let container_virtual = names(&["lo", "eth0"]);
        // (what, /proc/net/dev, /sys/devices/virtual/net, rx, tx, interfaces)
        type Case<'a> = (
            &'a str,
            &'a str,
            Option<&'a [String]>,
            Option<(u64, u64)>,
            Vec<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                "a host: its physical ones",
                dev,
                Some(&host_virtual),
                Some((107, 208)),
                vec!["eth0", "wlan0"],
            ),
            (
                "virtual ones not known: all but loopback",
                dev,
                None,
                Some((167, 288)),
                vec!["eth0", "docker0", "veth1a2b", "wlan0"],
            ),
            (
                "a container: its veth",
                container,
                Some(&container_virtual),
                Some((100, 200)),
                vec!["eth0"],
            ),
            (
                "only loopback: a measured zero",
                only_lo,
                Some(&container_virtual),
                Some((0, 0)),
                vec![],
            ),
            ("nothing readable: unknown", "garbled", None, None, vec![]),
        ];
        for (what, text, virtual_names, want, interfaces) in cases {
            let got = net_devices(text).map(|d| counted(d, virtual_names));
            let sum = got.as_ref().map(|d: &Vec<NetDevice>| {
                d.iter().fold((0, 0), |(rx, tx), d| (rx + d.rx, tx + d.tx))
            });
            assert_eq!(sum, want, "{what}");
            let got_names: Vec<&str> = got.iter().flatten().map(|d| d.name.as_str()).collect();
            assert_eq!(got_names, interfaces, "{what}");
            // And through the sampler, listing the virtual interfaces' directory.
            let sampled = Sampler::default().sample_from(
                |path| (path == "/proc/net/dev").then(|| text.to_owned()),
                |dir| {
                    assert_eq!(dir, VIRTUAL_NET);
                    virtual_names.map(<[String]>::to_vec)
                },
            );
            assert_eq!(
                sampled.net_rx_bytes.zip(sampled.net_tx_bytes),
                want,
                "{what}: sampled"
            );
            assert_eq!(sampled.net_interfaces, interfaces, "{what}: sampled");
        }
    }

    /// /proc/stat's busy share, reading to reading: guest time is already part of user and
    /// nice time, and counters that go backwards or do not move give no figure (not 0%).
    #[test]
    fn cpu_percent_from_proc_stat_readings() {
        let ticks = |line: &str| parse_cpu_ticks(line).expect("parses");
        // (what, before, now, percent busy)
        let cases: &[(&str, &str, &str, Option<f64>)] = &[
            (
                "half busy",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                "cpu  150 0 150 900 0 0 0 0 0 0",
                Some(50.0),
            ),
            (
                "iowait is not busy",
                "cpu  0 0 0 0 0 0 0 0 0 0",
                "cpu  25 0 0 50 25 0 0 0 0 0",
                Some(25.0),
            ),
            (
                "guest ticks are counted in user and nice already",
                "cpu  0 0 0 0 0 0 0 0 0 0",
                "cpu  100 100 0 200 0 0 0 0 100 100",
                Some(50.0),
            ),
            (
                "a kernel with only four fields",
                "cpu 10 0 10 80",
                "cpu 20 0 20 160",
                Some(20.0),
            ),
            (
                "no time passed: unknown",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                "cpu  100 0 100 800 0 0 0 0 0 0",
                None,
            ),
            (
                "counters went backwards (a reset): unknown",
                "cpu  500 0 500 800 0 0 0 0 0 0",
                "cpu  100 0 100 900 0 0 0 0 0 0",
                None,
            ),
            (
                "busy ticks went backwards while the total grew: unknown",
                "cpu  500 0 500 800 0 0 0 0 0 0",
                "cpu  100 0 100 1700 0 0 0 0 0 0",
                None,
            ),
            (
                "idle and iowait went backwards: unknown",
                "cpu  100 0 100 800 100 0 0 0 0 0",
                "cpu  200 0 200 750 100 0 0 0 0 0",
                None,
            ),
        ];
        for (what, before, now, want) in cases {
            let got = cpu_percent(ticks(before), ticks(now));
            match (got, want) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
                }
                _ => assert_eq!(got, *want, "{what}"),
            }
        }
        for bad in ["", "intr 1 2 3", "cpu", "cpu 1 2 x"] {
            assert_eq!(parse_cpu_ticks(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_cpu_ticks("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10"),
            Some(CpuTicks { idle: 9, total: 36 })
        );
    }

    /// Where /proc cannot be read (another OS, a locked-down container) every figure is
    /// unknown, not a measured-looking 0; and what can be read is read in the right units.
    #[test]
    fn unreadable_proc_gives_unknown_figures() {
        let sampler = Sampler::default();
        let none = sampler.sample_from(|_| None, |_| None);
        assert_eq!(
            (
                none.cpu_percent,
                none.memory_total_bytes,
                none.memory_available_bytes,
                none.process_rss_bytes,
                none.net_rx_bytes,
                none.net_tx_bytes,
                none.load_avg_1m,
            ),
            (None, None, None, None, None, None, None)
        );
        assert_eq!((none.host_cores, none.net_interfaces.len()), (None, 0));
        assert!(none.cores >= 1);

        // Files that are there but say nothing usable are unknown too.
        let garbled = sampler.sample_from(|_| Some("garbled".to_owned()), |_| Some(Vec::new()));
        assert_eq!(
            (
                garbled.cpu_percent,
                garbled.memory_total_bytes,
                garbled.process_rss_bytes,
                garbled.net_rx_bytes,
                garbled.load_avg_1m,
            ),
            (None, None, None, None, None)
        );

        let files = |path: &str| {
            Some(
                match path {
                    "/proc/stat" => "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\ncpu1 50 0 50 400 0 0 0 0 0 0\nintr 1\n",
                    "/proc/meminfo" => "MemTotal:       2048 kB\nMemFree: 1 kB\nMemAvailable:   1024 kB\n",
                    "/proc/self/status" => "Name:\tstampede\nVmRSSMax: 9 kB\nVmRSS:\t   300 kB\n",
                    "/proc/loadavg" => "0.50 0.40 0.30 1/100 42\n",
                    "/proc/net/dev" => concat!(
                        "Inter-|   Receive                            |  Transmit\n",
                        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
                        "    lo: 5000 1 0 0 0 0 0 0 5000 1 0 0 0 0 0 0\n",
                        "  eth0: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n",
                        "  eth1:7 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0\n",
                    ),
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let read = Sampler::default().sample_from(files, |_| None);
        assert_eq!(read.cpu_percent, Some(20.0));
        assert_eq!(read.memory_total_bytes, Some(2048 * 1024));
        assert_eq!(read.memory_available_bytes, Some(1024 * 1024));
        assert_eq!(read.process_rss_bytes, Some(300 * 1024));
        assert_eq!(
            (read.net_rx_bytes, read.net_tx_bytes),
            (Some(107), Some(208))
        );
        assert_eq!(read.net_interfaces, ["eth0", "eth1"]);
        assert_eq!(read.host_cores, Some(2));
        assert_eq!(read.load_avg_1m, Some(0.5));
    }
}
