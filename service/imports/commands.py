"""The command line of imports: ``qantar import``, ``qantar graphs`` (and ``drop``)."""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from service.cli_options import command_settings, store_option
from service.config import Settings
from service.errors import StoreBusy
from service.formats import N_QUADS, RDF_FORMATS, TRIG, TURTLE
from service.imports.conflicts import find_conflicts
from service.imports.export import export_dataset, with_void
from service.imports.graphs import drop_graph, list_graphs
from service.imports.importer import ImportOptions, cli_agent, import_sources
from service.imports.sources import collect_sources
from service.namespaces import PROVENANCE_GRAPH
from service.rdf_files import parse_file
from service.store import journal
from service.store.interface import Store
from service.store.open import open_store


@contextmanager
def writable_store(settings: Settings) -> Iterator[Store]:
    """Open the store for writing, first finishing or undoing an import a crash interrupted."""
    try:
        store = open_store(settings)
    except StoreBusy as err:
        raise StoreBusy(f"{err}; stop it, or import over HTTP with the Graph Store "
                        "Protocol") from None
    try:
        outcome = journal.recover(store, settings.store, str(PROVENANCE_GRAPH))
        if outcome:
            click.echo(f"recovery: {outcome}", err=True)
        yield store
    finally:
        store.close()


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", "graph", required=True, help="IRI of the named graph to import into.")
@click.option("--format", "format_name", default=None,
              help="RDF format when the extension does not say "
                   f"({', '.join(f.short_name for f in RDF_FORMATS)}).")
@click.option("--replace", is_flag=True, help="Replace the graph if it exists.")
@click.option("--lenient", is_flag=True,
              help="Import even if the data breaks the shapes; the report is kept with the "
                   "provenance.")
@store_option
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], graph: str,
                   format_name: str | None, replace: bool, lenient: bool,
                   store: Path | None) -> None:
    """Import RDF files (a directory: every RDF file in it) into the named graph GRAPH.

    All or nothing: a parse error, a shapes violation or a crash leaves the store as before.
    """
    settings = command_settings(ctx, store)
    sources = collect_sources(list(paths), format_name)
    shapes = parse_file(settings.shapes_file)
    options = ImportOptions(graph=graph, replace=replace, lenient=lenient, agent=cli_agent(),
                            command="qantar import " + shlex.join(sys.argv[2:]))
    total = sum(s.size for s in sources)
    started = time.monotonic()
    with writable_store(settings) as db:
        if sys.stderr.isatty() and total > 1 << 20:
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                record = import_sources(db, settings.store, sources, options, shapes,
                                        progress=bar.update)
        else:
            record = import_sources(db, settings.store, sources, options, shapes)
    seconds = time.monotonic() - started
    replaced = " (replacing the previous version)" if record.previous_version else ""
    click.echo(f"imported {record.triples:,} triples from {len(sources)} file"
               f"{'s' if len(sources) != 1 else ''} into <{graph}>{replaced} in {seconds:.1f} s")
    click.echo(f"validation: {record.validation}")
    click.echo(f"provenance: <{record.iri}>")


@click.group(name="graphs", invoke_without_command=True)
@store_option
@click.pass_context
def graphs_command(ctx: click.Context, store: Path | None) -> None:
    """List the named graphs with their size and provenance (or drop one: graphs drop IRI)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = command_settings(ctx, store)
    with open_store(settings, read_only=True) as db:
        infos = list_graphs(db)
    for info in infos:
        click.echo(f"{info.triples:>10,}  <{info.iri}>  [{info.origin}]")
        if info.origin == "import":
            click.echo(f"{'':>12}imported {info.imported} by {info.agent}")
            click.echo(f"{'':>12}from {info.sources or '(no file)'}")
            click.echo(f"{'':>12}validation: {info.validation}")


@graphs_command.command(name="drop")
@click.argument("graph")
@store_option
@click.pass_context
def drop_command(ctx: click.Context, graph: str, store: Path | None) -> None:
    """Remove the imported graph GRAPH (its provenance stays, marked invalidated)."""
    settings = command_settings(ctx, store)
    with writable_store(settings) as db:
        count = drop_graph(db, graph)
    click.echo(f"dropped <{graph}> ({count:,} triples)")


@click.command(name="conflicts")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_option
@click.pass_context
def conflicts_command(ctx: click.Context, as_json: bool, store: Path | None) -> None:
    """Where the sources disagree: figures, dates, names and disputed claims, with who says what
    and in which graph."""
    settings = command_settings(ctx, store)
    with open_store(settings, read_only=True) as db:
        conflicts = find_conflicts(db)
    if as_json:
        click.echo(json.dumps([c.as_json() for c in conflicts], indent=2, ensure_ascii=False))
        return
    click.echo(f"{len(conflicts)} disagreement{'s' if len(conflicts) != 1 else ''}")
    for conflict in conflicts:
        click.echo(f"\n[{conflict.kind}] {conflict.subject_label}: {conflict.said}")
        for value in conflict.values:
            who = f" according to {value.stated_by_label}" if value.stated_by else ""
            note = f" ({value.note})" if value.note else ""
            said = f"“{value.text}”" if conflict.kind == "dispute" else value.text
            click.echo(f"  - {said}{who}{note}, in {value.graph_label} <{value.graph}>")


@click.command(name="export")
@click.option("--format", "fmt",
              type=click.Choice([f.short_name for f in (N_QUADS, TRIG, TURTLE)]),
              default="nquads", show_default=True)
@click.option("--graph", default=None, help="Export only this named graph.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@store_option
@click.pass_context
def export_command(ctx: click.Context, fmt: str, graph: str | None, output: Path | None,
                   store: Path | None) -> None:
    """A reproducible dump (same data, same bytes); the whole dataset includes its VoID
    description in the graph https://w3id.org/qantar/graph/void."""
    settings = command_settings(ctx, store)
    with open_store(settings, read_only=True) as db:
        if graph is None:
            data = with_void(db, fmt, settings.base_iri)
        else:
            data = export_dataset(db, fmt, graph)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(f"wrote {len(data):,} bytes to {output}", err=True)
