"""Merging external linked data: import with provenance, graph lifecycle, conflicts, export."""
