"""The SPARQL 1.1 endpoint: protocol, formats, safety guards, workers and the response cache."""
