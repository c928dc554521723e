"""The W3C Reconciliation Service API 0.2 at ``/reconcile``, for OpenRefine and its kin.

One blueprint (``web``) over small parts: the identifiers of entities, types and properties
(``ids``), the ontology's classes and properties (``vocabulary``), the service manifest
(``manifest``), reading and scoring query batches (``queries``, ``scoring``), suggest services
(``suggest``), data extension (``extend``) and the framed preview (``preview.html``). Names are
matched through the pages' one name index (``service.pages.search``).
"""
