"""Qantar: a linked-data knowledge graph of the January 2022 unrest in Kazakhstan."""
