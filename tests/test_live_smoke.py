"""The live-server fixtures serve real HTTP: the base every endpoint test builds on."""

from __future__ import annotations

import json
import urllib.request

from tests.live import LiveServer


def test_the_read_only_service_answers_a_count_over_http(live_readonly: LiveServer) -> None:
    url = live_readonly.sparql + "?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%3Fs%20%3Fp%20%3Fo%7D"
    with urllib.request.urlopen(url) as response:
        body = json.load(response)
    assert int(body["results"]["bindings"][0]["n"]["value"]) > 2000
