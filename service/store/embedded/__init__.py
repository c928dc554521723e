"""The embedded store: pyoxigraph on disk, one writer process, published snapshots and
query worker processes that read them."""
