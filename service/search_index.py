"""The persistent full-text index of names (tantivy), kept beside the store, one per store.

Every ``rdfs:label``, ``skos:prefLabel`` and ``skos:altLabel`` of a resource under the base is
one document: the name as written, its language, its graph, its folded form and the folded
form of its transliteration to Latin (``anyascii``: "Токаев" is also "tokaev"), whole (for
exact and prefix matches) and word by word (for substrings and spelling variants).

The index follows the store's published generation: ``SearchIndex.at`` brings it to the
generation readers see before it answers. What changed is known for writes made through this
process (``changed``): the graphs a Graph Store request, an import or a SPARQL update named are
re-indexed (an update's from its parse); a write that may touch graphs it does not name
(``DROP ALL``, ``GRAPH ?g`` in a template) rebuilds the index. A write that was
rolled back never published a generation, so it is never indexed. Across restarts: the index
records the generation it reflects, and every write to an embedded store, by the service or
by a command while the service is down (``qantar import``, ``qantar load``), first removes
that record (``mark_stale``, called by service.store.embedded.store). A service that starts finds
the record
of the generation just before its own (its writer publishes the unchanged store as the next
one) and keeps the index; otherwise it builds it again, as it always does for a remote store,
whose content only the server knows.

Several service processes (``QANTAR_WORKERS``) share the one index: a process that writes
appends what its write changed to a log beside the index (``changes.jsonl``), one process at
a time brings the index up to date (an exclusive ``flock``, which is also tantivy's one
writer), and it records the generation it reached (``indexed.json``); a process that finds the
index at its generation already only reloads it. The index is created, emptied and filled in
place, never removed: the lock is in its directory, and the other processes have it open.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import tantivy
from anyascii import anyascii
from rdflib import Graph

from service.formats import Format
from service.search_records import INDEXED_FILE, STATE_FILE
from service.store.interface import QueryDataset, QueryResult, Store
from service.store.protected import Reach, graphs_named_by

_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: Documents handed to tantivy per batch while (re)building.
_BATCH = 10_000
#: Memory tantivy's writer may use (bytes) before it writes a segment.
_WRITER_HEAP = 64_000_000
#: How the documents are made; an index recorded with another value is filled again (a
#: different schema is found by tantivy itself, and the index is created anew in place).
_LAYOUT = 2
#: What each write of this run changed (one JSON line per published generation).
CHANGES_FILE = "changes.jsonl"
#: Held exclusively by the process bringing the index up to date. It lives in the index's
#: directory, so that directory is never removed: a process that removed it would take the lock
#: file the others wait on with it, and the next to arrive would lock a new file of that name.
LOCK_FILE = ".qantar-index.lock"


# Letters that carry no Unicode decomposition but that people type without their mark: Kazakh
# Cyrillic (Қ, Ғ, Ң, Ө, Ұ, Ү, Һ, Ә, І) and a few Latin ones.
_FOLD = str.maketrans({
    "қ": "к", "ғ": "г", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "ә": "а", "і": "и",
    "ё": "е", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe",
})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """The form names are compared in: no case, no diacritics, words split by single spaces."""
    if text.isascii():  # most names: nothing to decompose or translate
        return _NON_WORD.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", bare.translate(_FOLD)).strip()


def names_query(graph: str | None) -> str:
    """The names of the whole store, or of one graph."""
    inner = """VALUES ?p { rdfs:label skos:prefLabel skos:altLabel }
    ?s ?p ?name FILTER(isIRI(?s) && isLiteral(?name))"""
    where = f"GRAPH {'?g' if graph is None else ox.NamedNode(graph)} {{ {inner} }}"
    return ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"SELECT ?g ?s ?p ?name WHERE {{ {where} }}")


def forms_of(name: str) -> tuple[str, tuple[str, ...]]:
    """The folded name and every folded form it is found by (its Latin transliteration)."""
    folded = fold(name)
    if name.isascii():
        return folded, (folded,)
    latin = fold(anyascii(name))
    return folded, (folded,) if latin in ("", folded) else (folded, latin)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("iri", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("graph", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("name", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("lang", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("label", stored=True)
    # whole folded forms: exact and prefix matches
    builder.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
    # the same forms word by word: substrings and spelling variants
    builder.add_text_field("words", stored=False, tokenizer_name="whitespace",
                           index_option="freq")
    builder.add_unsigned_field("len", stored=False, indexed=False, fast=True)
    return builder.build()


class ChangeRecorder:
    """A store as a write sees it, noting which graphs the write changes: ``changed`` is None
    once it did something that may change any (a SPARQL update it cannot bound, the default
    graph, a whole dataset). Every method of ``Store`` is here by name: what a write does to
    the index is said method by method, not guessed from a call's arguments."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.changed: set[str] | None = set()
        self._next_update: set[str] | None = None
        self._parsed: tuple[set[str] | None] | None = None

    def parsed(self, named: set[str] | None) -> None:
        """What the next client update names, as its parse found (service.store.protected
        ``graphs_named_by``, run in a query worker with the update's other checks,
        service.sparql.checks): it is not parsed again here, in the service's process."""
        self._parsed = (named,)

    def expect(self, graphs: Iterable[str]) -> None:
        """The next SPARQL update, written by us, changes only ``graphs``."""
        self._next_update = set(graphs)

    # -- what is read passes through -----------------------------------------------------

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def read_only(self) -> bool:
        return self._store.read_only

    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        return self._store.query(sparql, dataset)

    def graphs(self) -> list[str]:
        return self._store.graphs()

    def triple_count(self, graph: str | None = None) -> int:
        return self._store.triple_count(graph)

    def graph_exists(self, graph: str | None) -> bool:
        return self._store.graph_exists(graph)

    def default_graph_is_empty(self) -> bool:
        return self._store.default_graph_is_empty()

    def dump(self, graph: str | None, fmt: Format,
             output: BinaryIO | None = None) -> bytes | None:
        return self._store.dump(graph, fmt, output)

    def dump_dataset(self, fmt: Format, output: BinaryIO | None = None) -> bytes | None:
        return self._store.dump_dataset(fmt, output)

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> ChangeRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is written is noted --------------------------------------------------------

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        if self._next_update is None:
            self._updated(sparql, base_iri, lambda: self._store.update(sparql, base_iri))
            return
        self._note_expected()
        self._store.update(sparql, base_iri)

    def client_update(self, sparql: str, base_iri: str | None = None,
                      reach: Reach | None = None) -> None:
        self._updated(sparql, base_iri,
                      lambda: self._store.client_update(sparql, base_iri, reach))

    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None:
        self._note({iri})
        self._store.add_graph(iri, triples)

    def create_graph(self, graph: str) -> None:
        self._note({graph})
        self._store.create_graph(graph)

    def load_graph(self, source: BinaryIO, fmt: ox.RdfFormat, graph: str | None,
                   base_iri: str | None = None) -> None:
        self._note(None if graph is None else {graph})
        self._store.load_graph(source, fmt, graph, base_iri)

    def replace_graph(self, graph: str | None, triples: list[ox.Triple],
                      then: str | None = None) -> bool:
        self._note(None if graph is None else {graph}, then)
        return self._store.replace_graph(graph, triples, then)

    def add_to_graph(self, graph: str | None, triples: list[ox.Triple],
                     then: str | None = None) -> bool:
        self._note(None if graph is None else {graph}, then)
        return self._store.add_to_graph(graph, triples, then)

    def add_quads(self, quads: list[ox.Quad]) -> None:
        self._note({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
        self._store.add_quads(quads)

    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        self._note(None)
        self._store.replace_dataset(quads)

    def drop_graph(self, graph: str | None) -> bool:
        self._note(None if graph is None else {graph})
        return self._store.drop_graph(graph)

    def replace_graphs(self, graphs: dict[str, list[ox.Triple]]) -> None:
        self._note(set(graphs))
        self._store.replace_graphs(graphs)

    def _updated(self, sparql: str, base: str | None, run: Callable[[], None]) -> None:
        """Run a SPARQL update, noting the graphs it names that existed before or after it
        (its parse names them; the store says which of its IRIs are graphs)."""
        self._next_update = None
        parsed, self._parsed = self._parsed, None
        if parsed is not None:
            named = parsed[0]
        else:
            named = graphs_named_by(sparql, base) if self.changed is not None else None
        if named is None:
            self.changed = None
            run()
            return
        before = set(self._store.graphs())
        run()
        if self.changed is not None:
            self.changed |= named & (before | set(self._store.graphs()))

    def _note_expected(self) -> None:
        expected, self._next_update = self._next_update, None
        if self.changed is not None and expected is not None:
            self.changed |= expected

    def _note(self, graphs: set[str] | None, then: str | None = None) -> None:
        """A write to ``graphs`` (None: it may change any), with ``then``, an update in the
        same transaction (a provenance record) whose graphs were said beforehand, or else it
        may write any."""
        expected, self._next_update = self._next_update, None
        if self.changed is None:
            return
        if then:
            if expected is None:
                self.changed = None
                return
            self.changed |= expected
        if graphs is None:
            self.changed = None
        else:
            self.changed |= graphs


def touching(store: Store, graphs: Iterable[str]) -> None:
    """Say that the next update ``store`` is given (alone, or as the ``then=`` of a graph
    write) changes only ``graphs`` (for a store a write records, so that the search index
    re-indexes just those)."""
    if isinstance(store, ChangeRecorder):
        store.expect(graphs)


class SearchIndex:
    """The index on disk and the generation of the store it reflects."""

    def __init__(self, path: Path, base: str) -> None:
        self.path = path
        self.base = base
        self.schema = _schema()
        self.generation: int | None = None
        self._pending: dict[int, frozenset[str] | None] = {}
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None

    # ------------------------------------------------------------------ keeping it current

    def changed(self, generation: int, graphs: Iterable[str] | None) -> None:
        """A write published ``generation``, changing the names of ``graphs`` only (None: it
        may have changed any); the other processes read it from the shared log."""
        entry = None if graphs is None else frozenset(graphs)
        with self._lock:
            self._pending[generation] = entry
            self.path.mkdir(parents=True, exist_ok=True)
            line = json.dumps({"generation": generation,
                               "graphs": None if entry is None else sorted(entry)})
            with open(self.path / CHANGES_FILE, "a", encoding="utf-8") as log:
                log.write(line + "\n")  # one short append: whole lines, even side by side

    def at(self, store: Store, generation: int, keep: bool) -> tantivy.Searcher:
        """A searcher over the index of ``store`` as published at ``generation``; ``keep``: an
        index left by an earlier run may be kept if nothing wrote the store since."""
        with self._lock:
            if self.generation != generation:
                with self._exclusive():
                    self._catch_up(store, generation, keep)
            assert self._index is not None
            return self._index.searcher()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One process at a time brings the shared index up to date."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _catch_up(self, store: Store, generation: int, keep: bool) -> None:
        indexed = self._read_json(INDEXED_FILE).get("generation")
        graphs: set[str] | None
        if self._index is None:
            state = self._read_state()
            trusted = self._open() and state.get("layout") == _LAYOUT
            if trusted and indexed == generation:
                self._reached(generation)  # another process of this run brought it here
                return
            # an index of what the store held when it was last indexed is kept as it is
            kept = trusted and keep and state.get("generation") in (generation, generation - 1)
            graphs = set() if kept else None
        elif indexed == generation:
            self._reached(generation)  # another process brought it here
            return
        else:
            if isinstance(indexed, int):  # an index this process opened, another one advanced
                self.generation = (indexed if self.generation is None
                                   else max(self.generation, indexed))
            graphs = self._changes_since(generation)
        if graphs is None:
            self._rebuild(store)
        elif graphs:
            self._reindex(store, sorted(graphs))
        self._write_state(generation)
        self._write_json(INDEXED_FILE, {"generation": generation})
        self._reached(generation)

    def _reached(self, generation: int) -> None:
        self.generation = generation
        self._pending = {g: c for g, c in self._pending.items() if g > generation}
        assert self._index is not None
        self._index.reload()

    def _changes_since(self, generation: int) -> set[str] | None:
        """The graphs written between the indexed generation and ``generation``; None if any
        write in between may have changed anything (or is not known here)."""
        if self.generation is None:
            return None
        logged = self._logged_changes()
        graphs: set[str] = set()
        for g in range(self.generation + 1, generation + 1):
            change = self._pending.get(g, logged.get(g))
            if change is None:
                return None
            graphs |= change
        return graphs

    def _logged_changes(self) -> dict[int, frozenset[str] | None]:
        """What the shared log says each generation's write changed."""
        changes: dict[int, frozenset[str] | None] = {}
        try:
            lines = (self.path / CHANGES_FILE).read_text(encoding="utf-8").splitlines()
        except OSError:
            return changes
        for line in lines:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = json.loads(line)
                graphs = entry["graphs"]
                changes[int(entry["generation"])] = (None if graphs is None
                                                     else frozenset(graphs))
        return changes

    def _open(self) -> bool:
        """Open the index, creating it if there is none (tantivy's documented ``reuse=True``),
        always in place: other processes wait on the lock in this directory and may have the
        index open, so it is never removed (an index nobody could trust is emptied by
        ``_rebuild``). Whether there was one to open, which may then be kept."""
        existed = tantivy.Index.exists(str(self.path))
        try:
            self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError:  # another schema (an older Qantar's) or a damaged index
            self._index = tantivy.Index(self.schema, path=str(self.path), reuse=False)
            return False
        return existed

    def _rebuild(self, store: Store) -> None:
        assert self._index is not None
        self._state_path().unlink(missing_ok=True)  # a rebuild cut short is not trusted
        (self.path / CHANGES_FILE).unlink(missing_ok=True)  # what came before is all in it
        writer = self._index.writer(_WRITER_HEAP, 1)
        writer.delete_all_documents()
        self._add(writer, self._names(store, None))
        writer.commit()
        writer.wait_merging_threads()

    def _reindex(self, store: Store, graphs: list[str]) -> None:
        assert self._index is not None
        self._state_path().unlink(missing_ok=True)
        writer = self._index.writer(_WRITER_HEAP, 1)
        for graph in graphs:
            writer.delete_documents_by_term("graph", graph)
        for graph in graphs:
            self._add(writer, self._names(store, graph))
        writer.commit()
        writer.wait_merging_threads()

    def _names(self, store: Store, graph: str | None) -> Iterator[tuple[str, str, str, str | None,
                                                                        bool]]:
        for row in store.query(names_query(graph), QueryDataset.DEFAULT):
            iri = row["s"].value
            if not iri.startswith(self.base):
                continue  # the reused vocabularies' own terms (rdfs:label …) are not entities
            literal = row["name"]
            yield (graph or row["g"].value, iri, literal.value, literal.language,
                   row["p"].value == _LABEL)

    def _add(self, writer: tantivy.IndexWriter, rows: Iterator) -> None:
        seen: set[tuple[str, str, str, str | None]] = set()
        for graph, iri, name, lang, is_label in rows:
            key = (graph, iri, name, lang)
            if key in seen:
                continue
            seen.add(key)
            folded, forms = forms_of(name)
            if not folded:
                continue
            doc = tantivy.Document()
            doc.add_text("iri", iri)
            doc.add_text("graph", graph)
            doc.add_text("name", name)
            doc.add_text("lang", lang or "")
            doc.add_unsigned("label", int(is_label))
            for form in forms:
                doc.add_text("key", form)
                doc.add_text("words", form)
            doc.add_unsigned("len", len(folded))
            writer.add_document(doc)

    def _state_path(self) -> Path:
        return self.path / STATE_FILE

    def _read_state(self) -> dict:
        return self._read_json(STATE_FILE)

    def _write_state(self, generation: int) -> None:
        self._write_json(STATE_FILE, {"layout": _LAYOUT, "generation": generation})

    def _read_json(self, name: str) -> dict:
        try:
            value = json.loads((self.path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def _write_json(self, name: str, value: dict) -> None:
        tmp = self.path / (name + ".tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, self.path / name)
