"""The ``qantar`` command: validate, load, query and describe the knowledge graph."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click
import pyoxigraph as ox
from rdflib import Dataset, Graph

from service.bundle import read_bundle, read_ontology
from service.cli_options import command_settings, store_option
from service.config import SETTING, Settings
from service.errors import (
    BadQuery,
    InvalidData,
    NotFound,
    QantarError,
    StoreUnavailable,
    UnreadableInput,
)
from service.formats import CSV, N_QUADS, RESULTS_FORMATS, SPARQL_JSON, TURTLE, by_name
from service.imports.commands import (
    conflicts_command,
    export_command,
    graphs_command,
    import_command,
)
from service.loader import load_bundle
from service.namespaces import prefixes_used, shorten
from service.rdf_files import parse_file
from service.server import run_server
from service.stats import compute_stats
from service.store.interface import QueryDataset, QueryResult, Triples
from service.store.open import backend, open_store
from service.validate import (
    conforms,
    format_report,
    validate_files,
    validate_graph,
    validate_store,
)


class QantarGroup(click.Group):
    """Maps every QantarError to a message on stderr and its class's exit code: the one
    place (a file that does not parse reads as a compiler's error: file:line:column: ...)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except QantarError as err:
            message = str(err) if isinstance(err, UnreadableInput) else f"error: {err}"
            click.echo(message.rstrip("\n"), err=True)
            ctx.exit(err.exit_code)


@click.group(cls=QantarGroup)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Qantar: a knowledge graph of the January 2022 unrest in Kazakhstan."""
    ctx.obj = Settings.from_env()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--shapes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SHACL shapes file (default: shapes/qantar.ttl).")
@click.option("--store", "of_store", is_flag=True,
              help="Validate what the store (QANTAR_STORE) holds, every graph of it.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="sparql: the shapes compiled to SPARQL on Oxigraph (seconds at a million "
                   "triples); pyshacl: the reference engine (hours at that size).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], shapes: Path | None,
             of_store: bool, engine: str) -> None:
    """Validate the bundle, the RDF files PATHS (with the ontology), or the store, against
    the shapes.

    Exit status: 0 conforms, 1 violations, 2 unreadable input.
    """
    settings = command_settings(ctx)
    shapes_graph = parse_file(shapes or settings.shapes_file)
    if of_store and paths:
        raise click.UsageError("give files or --store, not both")
    if of_store:
        with open_store(settings, read_only=True) as db:
            if engine == "sparql":
                findings = validate_store(db, shapes_graph)
            else:
                dataset = Dataset()
                dataset.parse(data=db.dump_dataset(N_QUADS) or b"",
                              format="nquads")
                data = Graph()
                for s, p, o, _ in dataset.quads():
                    data.add((s, p, o))
                findings = validate_graph(data, shapes_graph)
    elif paths and engine == "sparql":
        findings = validate_files(list(paths), read_ontology(settings), shapes_graph)
    elif paths:
        data = read_ontology(settings)
        for path in paths:
            data += parse_file(path)
        findings = validate_graph(data, shapes_graph)
    else:
        bundle = read_bundle(settings).union()
        findings = (validate_graph(bundle, shapes_graph) if engine == "pyshacl"
                    else validate_files([], bundle, shapes_graph))
    click.echo(format_report(findings), nl=False)
    if not conforms(findings):
        violations = sum(f.severity == "Violation" for f in findings)
        raise InvalidData(f"{violations} violation{'s' if violations != 1 else ''}")


@cli.command()
@store_option
@click.pass_context
def load(ctx: click.Context, store: Path | None) -> None:
    """Validate the bundle and load it into a fresh store, replacing the old one atomically."""
    settings = command_settings(ctx, store)
    counts = load_bundle(settings)
    width = max((len(f"{n:,}") for n in counts.values()), default=1)
    for iri, n in counts.items():
        click.echo(f"{n:>{width},}  {iri}")
    click.echo(f"{sum(counts.values()):>{width},}  triples loaded into "
               f"{settings.store_url or settings.store}")


@cli.command()
@click.argument("query")
@store_option
@click.option("--format", "fmt",
              type=click.Choice(["table", *(f.short_name for f in (CSV, SPARQL_JSON, TURTLE))]),
              default=None, help="Output format (default: table, or turtle for CONSTRUCT).")
@click.pass_context
def query(ctx: click.Context, query: str, store: Path | None, fmt: str | None) -> None:
    """Run the SPARQL QUERY (or @FILE, looked up also in queries/) on the store."""
    settings = command_settings(ctx, store)
    text = _query_text(query, settings)
    with open_store(settings, read_only=True) as db:
        result = db.query(text, QueryDataset.ENDPOINT)
        try:
            click.echo(_render(result, fmt), nl=False)
        except (OSError, RuntimeError, ValueError) as err:  # evaluation errors surface lazily
            raise BadQuery(str(err)) from err


@cli.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def stats(ctx: click.Context, store: Path | None, as_json: bool) -> None:
    """Count triples per graph, entities per class, events, claims, figures and relations."""
    settings = command_settings(ctx, store)
    with open_store(settings, read_only=True) as db:
        result = compute_stats(db)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
        return
    click.echo(f"{result.triples:>8,}  triples")
    for graph, n in result.triples_per_graph.items():
        click.echo(f"{n:>8,}    in {shorten(graph)}")
    for name in ("events", "claims", "figures", "relations"):
        click.echo(f"{getattr(result, name):>8,}  {name}")
    click.echo("entities per class:")
    for cls in result.classes:
        label = f"{cls.label} " if cls.label else ""
        click.echo(f"{cls.count:>8,}  {label}({shorten(cls.iri)})")


@cli.command()
@store_option
@click.option("--host", default=None,
              help="Interface to listen on (default: $QANTAR_HOST or "
                   f"{SETTING['QANTAR_HOST'].default}).")
@click.option("--port", type=int, default=None,
              help=f"Port (default: $QANTAR_PORT or {SETTING['QANTAR_PORT'].default}).")
@click.option("--no-bundle", is_flag=True,
              help="Serve the store as it is, even empty (default: load the bundle into an "
                   "empty store).")
@click.pass_context
def serve(ctx: click.Context, store: Path | None, host: str | None, port: int | None,
          no_bundle: bool) -> None:
    """Serve the SPARQL endpoint and the pages, loading the bundled graph if the store is empty."""
    settings = command_settings(ctx, store)
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    # The rule: this process starts the server's worker processes, so it never opens the store
    # (RocksDB's threads do not survive a fork: a worker's first write would hang for ever).
    # What must happen before serving happens in a spawned process that ends first.
    # (an error there is raised here, for the group to report)
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as child:
        child.submit(prepare_store, settings, not no_bundle).result()
    click.echo(f"Qantar on http://{settings.host}:{settings.port}/ (SPARQL at /sparql)", err=True)
    run_server(settings)


def prepare_store(settings: Settings, bundle: bool = True) -> None:
    """Load the bundle into an empty store (if ``bundle``) and check the store can be written;
    run in a process of its own (see ``serve``), which raises its errors in the caller."""
    try:
        if bundle and store_is_empty(settings):
            click.echo(f"the store {settings.store} is empty: loading the bundled graph", err=True)
            load_bundle(settings)
        backend(settings).check_writable(settings)
    except StoreUnavailable as err:
        # a remote store may come back: serve, answering 502 with the reason until it does
        click.echo(f"warning: {err}; serving anyway", err=True)


def store_is_empty(settings: Settings) -> bool:
    """True when there is no store yet, or it holds no triples."""
    if not backend(settings).exists(settings):
        return True
    with open_store(settings, read_only=True) as db:
        return db.triple_count() == 0


def _query_text(query: str, settings: Settings) -> str:
    if not query.startswith("@"):
        return query
    name = Path(query[1:])
    for candidate in (name, settings.queries_dir / name):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise NotFound(f"no query file {name} (looked in . and {settings.queries_dir})")


def _render(result: QueryResult, fmt: str | None) -> str:
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("csv", "json"):
            return _results(result, fmt)
        _refuse(fmt, ("table", None), "ASK")
        return "true\n" if bool(result) else "false\n"
    if isinstance(result, Triples):
        _refuse(fmt, ("turtle", None), "CONSTRUCT and DESCRIBE")
        return _turtle(list(result))
    assert isinstance(result, ox.QuerySolutions)
    if fmt in ("csv", "json"):
        return _results(result, fmt)
    _refuse(fmt, ("table", None), "SELECT")
    return format_table(result)


def _turtle(triples: list[ox.Triple]) -> str:
    """Turtle with only the prefixes the triples use (pyoxigraph writes every one it is given)."""
    used = prefixes_used(triples)
    return ox.serialize(triples, format=TURTLE.rdf, prefixes=used).decode()


def _results(result: ox.QuerySolutions | ox.QueryBoolean, fmt: str) -> str:
    """SPARQL 1.1 CSV or JSON results, written by pyoxigraph's serializers."""
    out = result.serialize(format=by_name(fmt, RESULTS_FORMATS).results).decode()
    return out if out.endswith("\n") else out + "\n"


def _refuse(fmt: str | None, allowed: tuple[str | None, ...], kind: str) -> None:
    if fmt not in allowed:
        formats = ", ".join(f for f in allowed if f)
        raise click.UsageError(f"--format {fmt} does not fit {kind} results (use {formats})")


def format_table(result: ox.QuerySolutions) -> str:
    """Aligned columns with prefixed names, and a row count, for people at a terminal."""
    names = [v.value for v in result.variables]
    rows = [[_cell(row[name]) for name in names] for row in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def main() -> None:
    """Console-script entry point (``qantar``)."""
    cli(prog_name="qantar")


# Commands of other parts of Qantar live beside their code; they are attached here.
for _command in (import_command, graphs_command, conflicts_command, export_command):
    cli.add_command(_command)
