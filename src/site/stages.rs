//! Stage timings of a build on stderr when `KOURSE_TIMINGS` is set.

use std::time::Instant;

/// Stage timings on stderr when `KOURSE_TIMINGS` is set: where a build's
/// time goes, for benchmarks and bug reports.
pub(super) struct Stages {
    on: bool,
    last: Instant,
    last_cpu: f64,
}

impl Stages {
    pub(super) fn start() -> Self {
        Stages {
            on: std::env::var_os("KOURSE_TIMINGS").is_some(),
            last: Instant::now(),
            last_cpu: cpu_seconds(),
        }
    }

    pub(super) fn lap(&mut self, stage: &str) {
        if self.on {
            let cpu = cpu_seconds();
            eprintln!(
                "timing: {stage}: {} ms (cpu {:.0} ms; resident {} MiB, peak {} MiB)",
                self.last.elapsed().as_millis(),
                (cpu - self.last_cpu) * 1000.0,
                memory_kib("VmRSS:") / 1024,
                memory_kib("VmHWM:") / 1024
            );
            self.last_cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User and system CPU time of this process so far, all threads: a stage's
/// cost that a busy machine does not inflate the way it does wall time.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// A memory figure of this process from /proc (0 where there is none).
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
