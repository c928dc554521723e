"""A remote store: an existing SPARQL 1.1 server, through the standard protocols, with the
dialect of the server where it reads them its own way."""
