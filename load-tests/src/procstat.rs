//! Server-side cost from `/proc`: CPU time (utime + stime) and resident memory of processes.

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_S: u64 = 100;

/// CPU time (user + system) a process has used so far; zero if it cannot be read.
pub fn cpu_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The command name (field 2) may hold spaces; fields after its ')' are plain.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ticks = tick(11) + tick(12);
    Duration::from_millis(ticks * 1000 / TICKS_PER_S)
}

/// Summed CPU time of several processes.
pub fn cpu_time_of(pids: &[u32]) -> Duration {
    pids.iter().map(|&p| cpu_time(p)).sum()
}

/// Resident memory of a process in KiB (`VmRSS`); zero if it cannot be read.
pub fn rss_kib(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Summed resident memory of several processes, KiB.
pub fn rss_kib_of(pids: &[u32]) -> u64 {
    pids.iter().map(|&p| rss_kib(p)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(rss_kib(me) > 0);
        // Spin until the kernel has charged at least one tick; on a busy machine that may take
        // much longer than the tick itself, so only a generous bound ends it.
        let spin = std::time::Instant::now();
        while cpu_time(me) == Duration::ZERO && spin.elapsed() < Duration::from_secs(30) {
            std::hint::black_box(0);
        }
        assert!(cpu_time(me) > Duration::ZERO);
    }
}
