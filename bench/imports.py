"""Import throughput: ``qantar import`` against the native ``oxigraph load``, same file, same run.

``python -m bench.imports [--triples N]`` writes a deterministic Wikidata-shaped N-Triples file
(statements about generated items, none typed with our classes, so the figure is the loading
itself) and a bundle-shaped one (bench.generate: every node of our classes, so validation runs),
then times, each into a fresh copy of the loaded bundle store:

- ``oxigraph load`` (the native command of the PyPI package ``oxigraph``) into an empty store;
- ``qantar import`` of the same file (journal, bulk load, validation, provenance).

With ``--remote``, also ``qantar import`` into ``oxigraph serve`` through the Graph Store
Protocol, against one POST of the whole file to that server. It prints triples/s and the
ratios, and writes them to ``bench/results/imports-<date>.md``. Each run is timed as wall
time and as CPU time (user + system of the command's whole process tree), with the load
average as it started: the machine is shared, and CPU seconds say what the work cost where wall
time also says who else was running. ``--work DIR`` keeps the generated files and the bundle
store between runs (back-to-back comparisons on the same files).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from service.config import REPO_ROOT, Settings
from service.loader import load_bundle

BIN = Path(sys.executable).parent
RESULTS = Path(__file__).parent / "results"


def wikidata_shaped(path: Path, triples: int) -> None:
    """Items with labels, descriptions, truthy claims and statement nodes, like a dump slice."""
    with path.open("w", encoding="utf-8") as out:
        written, item = 0, 0
        while written < triples:
            q = f"<http://www.wikidata.org/entity/Q{10_000_000 + item}>"
            s = f"<http://www.wikidata.org/entity/statement/Q{10_000_000 + item}-P39>"
            out.write(f'{q} <http://www.w3.org/2000/01/rdf-schema#label> "item {item}"@en .\n'
                      f'{q} <http://schema.org/description> "generated item {item}"@en .\n'
                      f"{q} <http://www.wikidata.org/prop/direct/P31> "
                      "<http://www.wikidata.org/entity/Q5> .\n"
                      f"{q} <http://www.wikidata.org/prop/P39> {s} .\n"
                      f"{s} <http://www.wikidata.org/prop/statement/P39> "
                      f"<http://www.wikidata.org/entity/Q{item % 97 + 1}> .\n"
                      f'{s} <http://www.wikidata.org/prop/qualifier/P580> "20{item % 23:02d}-01-01'
                      'T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n')
            written += 6
            item += 1


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the command and its children
    load: float  # one-minute load average as it started

    def show(self, triples: int) -> str:
        return (f"{self.wall:.1f} s ({triples / self.wall:,.0f}/s), CPU {self.cpu:.1f} s, "
                f"load {self.load:.1f}")


def timed(command: list[str], env: dict[str, str] | None = None) -> Timing:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, load)


def measure(data: Path, triples: int, template: Path, work: Path, label: str) -> str:
    native_store = work / f"native-{label}"
    shutil.rmtree(native_store, ignore_errors=True)
    native = timed([str(BIN / "oxigraph"), "load", "--location", str(native_store),
                    "--file", str(data)])
    ours_store = work / f"ours-{label}"
    shutil.rmtree(ours_store, ignore_errors=True)
    shutil.copytree(template, ours_store)
    ours = timed([str(BIN / "qantar"), "import", str(data), "--graph",
                  f"https://example.org/bench/{label}", "--store", str(ours_store), "--lenient"])
    line = (f"| {label} | {triples:,} | {native.show(triples)} | {ours.show(triples)} | "
            f"{native.wall / ours.wall:.2f}x | {native.cpu / ours.cpu:.2f}x |")
    print(line, flush=True)
    return line


def measure_remote(data: Path, triples: int, template: Path, work: Path, label: str) -> str:
    """Through the Graph Store Protocol: ``qantar import`` with QANTAR_STORE=<oxigraph serve>
    (parse locally, POST in 100k-triple chunks, journal, provenance) against one POST of the
    whole file to the same server's /store (the server's own parser, one request)."""
    import requests

    from tests.w3c.backends import oxigraph_server

    server_store = work / f"remote-{label}"
    shutil.rmtree(server_store, ignore_errors=True)
    shutil.copytree(template, server_store)
    with oxigraph_server(server_store) as remote:
        started = time.perf_counter()
        with data.open("rb") as body:
            response = requests.post(remote.store_url, params={"graph": "urn:bench:direct"},
                                     data=body, headers={"Content-Type": _media_type(data)},
                                     timeout=3600)
        response.raise_for_status()
        direct = time.perf_counter() - started
        env = {**os.environ, "QANTAR_STORE": remote.query_url,
               "QANTAR_STATE_DIR": str(work / f"state-{label}")}
        ours = timed([str(BIN / "qantar"), "import", str(data), "--graph",
                      f"https://example.org/bench/{label}", "--lenient"], env=env)
    line = (f"| {label}, remote (GSP) | {triples:,} | one POST to /store: {direct:.1f} s "
            f"({triples / direct:,.0f}/s) | {ours.show(triples)} | {direct / ours.wall:.2f}x | "
            "(server's CPU not counted) |")
    print(line, flush=True)
    return line


def _media_type(path: Path) -> str:
    return {".nt": "application/n-triples", ".nq": "application/n-quads"}.get(
        path.suffix, "text/turtle")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--remote", action="store_true",
                        help="also import through the Graph Store Protocol into oxigraph serve")
    parser.add_argument("--skip-bundle-shaped", action="store_true",
                        help="only the Wikidata-shaped file (validation of our classes is slow)")
    parser.add_argument("--skip-wikidata-shaped", action="store_true",
                        help="only the bundle-shaped file (the validated import)")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the generated files and the bundle store here, and reuse them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qantar-bench-import-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        template = work / "template"
        if not template.is_dir():
            load_bundle(Settings.from_env({"QANTAR_STORE": str(template),
                                           "QANTAR_DATA_DIR": str(REPO_ROOT)}))
        rows = ["| data | triples | native `oxigraph load` | `qantar import` | ratio (wall) | "
                "ratio (CPU) |", "|---|---|---|---|---|---|"]
        print("\n".join(rows), flush=True)
        if not args.skip_wikidata_shaped:
            wikidata = work / f"wikidata-{args.triples}.nt"
            if not wikidata.is_file():
                wikidata_shaped(wikidata, args.triples)
            rows.append(measure(wikidata, args.triples, template, work, "wikidata-shaped"))
            if args.remote:
                rows.append(measure_remote(wikidata, args.triples, template, work,
                                           "wikidata-shaped"))
        if not args.skip_bundle_shaped:
            from bench.generate import generate, read_quads, write_quads

            shaped = work / f"shaped-{args.triples}.nq"
            if not shaped.is_file():
                bundle = work / "bundle.nq"
                store = ox.Store.read_only(str(template))
                store.dump(str(bundle), format=ox.RdfFormat.N_QUADS)
                write_quads(generate(read_quads(bundle), args.triples), shaped)
            count = sum(1 for _ in shaped.open("rb"))
            rows.append(measure(shaped, count, template, work, "bundle-shaped"))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    (RESULTS / f"imports-{stamp}.md").write_text(
        f"# Import throughput, {stamp} UTC\n\n`python -m bench.imports "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}` on {os.cpu_count()} CPUs "
        "(wall time; CPU: user + system of the process tree; load: one-minute average as the "
        "run started)\n\n" + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
