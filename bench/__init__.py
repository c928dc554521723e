"""Benchmarks of the Qantar endpoint against the native Oxigraph server (``make bench``)."""
