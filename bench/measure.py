"""Shared measuring helpers of the bench scripts: peak RSS per phase and process CPU time."""

from __future__ import annotations

import contextlib
import resource
import threading
import time

import psutil


class PeakRSS:
    """Samples this process's RSS every `interval` seconds (ru_maxrss cannot be reset between phases)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.peak = 0
        self.interval = interval
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        p = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, p.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def cpu() -> float:
    """User + system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------------------------------- process-tree sampling


def tree_usage(root: psutil.Process, procs: list[psutil.Process] | None = None) -> tuple[int, float]:
    """(RSS bytes, CPU seconds) of `root` and all its live descendants (or of `procs`, a list of them).

    CPU counts user + system of every live process plus the `children_*` times of the children each one has
    already waited for, so a finished dbt or Chromium process is counted by its parent from then on (no gap,
    no double count). RSS is the plain sum (shared pages count once per process, as `ps` shows them)."""
    rss, cpu_s = 0, 0.0
    if procs is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0, 0.0
    for p in procs:
        try:
            with p.oneshot():
                rss += p.memory_info().rss
                t = p.cpu_times()
                cpu_s += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    return rss, cpu_s


class TreeSampler:
    """Samples a process tree every `interval` seconds in a thread: (unix time, RSS sum, CPU sum).

    The CPU series is kept monotonic (a child that has exited but is not yet waited for drops out for a
    moment). `cpu_at(t)` interpolates it, `window(t0, t1)` gives CPU seconds and peak RSS between two unix
    times, so the samples can be cut by the step start/end times of a Dagster event log."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, float]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last_cpu = 0.0
        procs: list[psutil.Process] = []
        n = 0
        while not self._stop.is_set():
            if n % 5 == 0:  # listing descendants scans all of /proc: every 5th sample (250 ms) is enough
                with contextlib.suppress(psutil.Error):
                    procs = [self.root, *self.root.children(recursive=True)]
            n += 1
            rss, cpu_s = tree_usage(self.root, procs)
            if rss:
                last_cpu = max(last_cpu, cpu_s)
                self.samples.append((time.time(), rss, last_cpu))
            self._stop.wait(self.interval)

    def start(self) -> TreeSampler:
        self._t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._t.join()

    @property
    def peak(self) -> int:
        return max((s[1] for s in self.samples), default=0)

    @property
    def current_rss(self) -> int:
        return self.samples[-1][1] if self.samples else 0

    def cpu_at(self, t: float) -> float:
        return interpolate([(s[0], s[2]) for s in self.samples], t)

    def window(self, t0: float, t1: float) -> tuple[float, int]:
        """(CPU seconds, peak RSS bytes) of the tree between unix times t0 and t1."""
        cpu_s = max(0.0, self.cpu_at(t1) - self.cpu_at(t0))
        inside = [s[1] for s in self.samples if t0 <= s[0] <= t1]
        if not inside:  # a step shorter than the interval: the nearest sample
            near = min(self.samples, key=lambda s: abs(s[0] - (t0 + t1) / 2), default=None)
            inside = [near[1]] if near else [0]
        return cpu_s, max(inside)


def interpolate(series: list[tuple[float, float]], t: float) -> float:
    """Linear interpolation in a time-sorted (t, value) series, clamped at both ends."""
    if not series:
        return 0.0
    if t <= series[0][0]:
        return series[0][1]
    if t >= series[-1][0]:
        return series[-1][1]
    lo, hi = 0, len(series) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if series[mid][0] <= t:
            lo = mid
        else:
            hi = mid
    (t0, v0), (t1, v1) = series[lo], series[hi]
    return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def children_cpu() -> float:
    """User + system CPU seconds of this process's waited-for descendants so far (exact, from the kernel)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine() -> dict[str, object]:
    """The machine and the versions the figures were taken with."""
    import os
    import platform
    from importlib import metadata

    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor()
    versions: dict[str, str] = {"python": platform.python_version()}
    for dist in ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "great-expectations", "pandas", "pyarrow"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    return {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": model,
        "platform": platform.platform(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }
