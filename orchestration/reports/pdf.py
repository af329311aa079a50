"""Headless Chromium for the report: PDF export (`--print-to-pdf`), and the screenshot / DOM dump the render
test uses. Chromium is optional: without a browser on PATH the PDF is skipped with a message that says how
to get one (Debian: `apt-get install chromium`). The flags keep it off the network (this machine's network
is closed; Chromium's background services would otherwise try to phone home at every start)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV_BROWSER = "FANOPS_CHROMIUM"  # an explicit browser binary, used before PATH
TIMEOUT_S = 120
FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)
INSTALL_HINT = "install Debian's chromium package (apt-get install -y chromium) or set FANOPS_CHROMIUM"


@dataclass(frozen=True)
class PdfOutcome:
    path: Path | None
    message: str


def find_browser() -> str | None:
    explicit = os.environ.get(ENV_BROWSER)
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(browser: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="fanops-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = TIMEOUT_S) -> PdfOutcome:
    browser = find_browser()
    if browser is None:
        return PdfOutcome(
            None, f"PDF skipped: no Chromium browser found on PATH ({', '.join(BROWSERS)}); {INSTALL_HINT}"
        )
    pdf_path.unlink(missing_ok=True)
    try:
        proc = _run(
            browser,
            ["--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            timeout,
        )
    except subprocess.TimeoutExpired:
        return PdfOutcome(None, f"PDF skipped: {browser} did not finish within {timeout:.0f} s")
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
        return PdfOutcome(None, f"PDF failed: {browser} exited {proc.returncode}: {' | '.join(tail)}")
    return PdfOutcome(pdf_path, f"PDF written by {Path(browser).name}")


def screenshot(
    html_path: Path, png_path: Path, *, width: int = 1280, height: int = 6000, timeout: float = TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError(f"no Chromium browser found; {INSTALL_HINT}")
    png_path.unlink(missing_ok=True)
    return _run(
        browser,
        [f"--screenshot={png_path}", f"--window-size={width},{height}", html_path.resolve().as_uri()],
        timeout,
    )


def dump_dom(html_path: Path, *, timeout: float = TIMEOUT_S) -> str:
    """The DOM Chromium built from the file (what it parsed and laid out), serialised."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError(f"no Chromium browser found; {INSTALL_HINT}")
    proc = _run(browser, ["--dump-dom", html_path.resolve().as_uri()], timeout)
    return proc.stdout
