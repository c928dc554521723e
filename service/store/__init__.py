"""How Qantar stores things: the one wing for every store backend.

- ``interface``: the ``Store``, ``StoreService`` and ``QueryRunner`` protocols and the result
  types every backend answers with; ``open``: the registry of backends, the only place that
  names one; ``messages`` and ``workers``: what a query runner sends, and the worker processes
  that evaluate clients' texts and check them; ``dataset``, ``query_form``, ``rdflib_parse``,
  ``engine_parse`` and ``syntax_errors``: the SPARQL rules and parse helpers every backend
  shares; ``protected``: the graphs no client writes; ``journal``: all-or-nothing imports.
- ``embedded/``: Oxigraph on disk (the store, its service, the writer process and its host,
  the published snapshots); ``remote/``: an existing SPARQL 1.1 server (the store, its
  service, the query runner, the server's dialect).

A new backend is a new folder here and one entry in ``open`` (docs/architecture.md).
"""
