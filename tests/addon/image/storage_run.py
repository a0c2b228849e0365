"""benchmarks/storage.py in the add-on's image: `scripts/addon-image storage` runs this on the host.

The add-on starts as in the image tests (init, PostgreSQL, the engine: it migrates, detects the
licence and installs its policies), its volumes under the clone's `.bench/storage-image/`: the
development environment, where the benchmark runs (`--addon-data`), has the clone at the same
path and so reaches the database's Unix socket. The benchmark loads the day and waits for the
engine's jobs; the PSS of the engine's and PostgreSQL's processes (host PIDs, which the
environment's own PID namespace hides) is sampled here meanwhile and added to its JSON line.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from tests.addon.fake_supervisor import fake_supervisor
from tests.addon.ports import free_port

from .conftest import make_container
from .container import image_name, start_addon

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "benchmarks"))
from pss import pss_mib  # noqa: E402 - benchmarks/ is no package

ROOT = REPO / ".bench" / "storage-image"


def sample(storing: Path, pids: list[int], samples: list[float], done: threading.Event) -> None:
    """Append the PSS of PIDS every 0.5 s while STORING exists, until DONE."""
    while not done.is_set():
        if storing.exists():
            samples.append(pss_mib(pids))
        done.wait(0.5)


async def measure(image: str, benchmark_args: list[str]) -> dict[str, object]:
    """Run the benchmark against a fresh add-on of IMAGE; return its figures and the PSS."""
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    port = free_port()
    samples: list[float] = []
    async with fake_supervisor() as supervisor:
        container = make_container(image, ROOT, port, supervisor.url)
        try:
            addon = await asyncio.to_thread(start_addon, container, port)
            done = threading.Event()
            pids = [pid for pid in (addon.engine.pid, addon.postgres.pid) if pid is not None]
            sampler = threading.Thread(target=sample, args=(ROOT / "storing", pids, samples, done))
            sampler.start()
            try:
                result = await asyncio.to_thread(
                    subprocess.run,
                    [str(REPO / "scripts" / "devenv"), "run", "python", "benchmarks/storage.py",
                     "--addon-data", str(container.data), *benchmark_args],
                    cwd=REPO, stdout=subprocess.PIPE, text=True, check=True,
                )  # fmt: skip
            finally:
                done.set()
                sampler.join()
                await asyncio.to_thread(addon.stop)
        finally:
            container.remove()
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    if not samples:
        raise RuntimeError("no PSS sample: the benchmark never waited for the engine")
    return figures | {
        "image": image, "pss_mib_max": max(samples), "pss_mib_samples": len(samples),
        "pss_mib_median": sorted(samples)[len(samples) // 2],
    }  # fmt: skip


def main() -> None:
    """Measure in the image scripts/addon-image names; arguments go to the benchmark."""
    keep = "--keep" in sys.argv[1:]
    try:
        figures = asyncio.run(measure(image_name(), sys.argv[1:]))
        print(json.dumps(figures), flush=True)  # noqa: T201 - the benchmark's one JSON line
    finally:
        if not keep:
            shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
