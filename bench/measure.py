"""Shared measuring helpers of the bench scripts: peak RSS per phase and process CPU time."""

from __future__ import annotations

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
