"""The exception family: each class's HTTP status, headers and exit code, mapped in one place."""

from __future__ import annotations

import errno
import gc
import pickle
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Flask

import service.errors as errors
from service.app import create_app, register_error_handlers
from service.cli import QantarGroup
from service.config import Settings
from service.store.messages import Failure
from tests.live import copy_store, server_env

#: Every class of the family: (HTTP status, exit code). Users and tests rely on these.
FAMILY = {
    errors.QantarError: (500, 3),
    errors.InvalidData: (422, 1),
    errors.GraphExists: (409, 3),
    errors.BadRequest: (400, 2),
    errors.UnreadableInput: (400, 2),
    errors.BadQuery: (400, 2),
    errors.UnsupportedBody: (415, 2),
    errors.NotFound: (404, 3),
    errors.NotAcceptable: (406, 3),
    errors.Forbidden: (403, 3),
    errors.Unauthorized: (401, 3),
    errors.ProtectedGraph: (403, 3),
    errors.TooLarge: (413, 3),
    errors.BodyTimeout: (408, 3),
    errors.BatchTooLarge: (413, 3),
    errors.Unavailable: (503, 3),
    errors.Busy: (503, 3),
    errors.QueryTimeout: (503, 3),
    errors.BatchTimeout: (503, 3),
    errors.PageTimeout: (503, 3),
    errors.WriteTimeout: (503, 3),
    errors.OutOfMemory: (503, 3),
    errors.StoreBusy: (503, 3),
    errors.StoreFailure: (503, 3),
    errors.DiskFull: (507, 3),
    errors.SavedQueriesFull: (507, 3),
    errors.FetchFailed: (502, 3),
    errors.StoreUnavailable: (502, 3),
    errors.RemoteTimeout: (502, 3),
    errors.RemoteServerError: (502, 3),
    errors.RemoteNotAcceptable: (502, 3),
    errors.AnswerFailed: (500, 3),
}


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in _subclasses(sub)}


def test_every_class_of_the_family_has_its_status_and_exit_code() -> None:
    assert _subclasses(errors.QantarError) == set(FAMILY)
    for cls, (status, exit_code) in FAMILY.items():
        assert (cls.status, cls.exit_code) == (status, exit_code), cls.__name__


def test_errors_cross_processes_whatever_their_constructor() -> None:
    samples = [
        errors.UnreadableInput("data.ttl", "unexpected end", 4, 17),
        errors.BadQuery("SPARQL syntax error at line 2, column 7: expected", 2, 7),
        errors.QueryTimeout(5),
        errors.TooLarge(1000),
        errors.BodyTimeout(2.5),
        errors.BatchTimeout(5, 3, 50),
        errors.PageTimeout(30),
        errors.NotFound("nothing here", headers={"Vary": "Accept"}),
    ]
    for err in samples:
        copy = pickle.loads(pickle.dumps(Failure(err))).error
        assert type(copy) is type(err)
        assert str(copy) == str(err)
        assert copy.__dict__ == err.__dict__


@pytest.mark.parametrize(("code", "cls", "start"), [
    (errno.ENOSPC, errors.DiskFull, "the store's disk is full"),
    (errno.EROFS, errors.StoreFailure, "the store's disk is read-only"),
    (errno.EIO, errors.StoreFailure, "the store could not be read or written"),
])
def test_a_store_os_error_says_what_it_means(code: int, cls: type, start: str) -> None:
    err = errors.StoreFailure.of(OSError(code, "IO error"))
    assert type(err) is cls and str(err).startswith(start)


def _app_raising(err: Exception) -> Flask:
    app = Flask(__name__)
    register_error_handlers(app)

    @app.route("/")
    def fail() -> str:
        raise err

    return app


@pytest.mark.parametrize(("err", "status", "header"), [
    (errors.Busy("all workers are busy"), 503, ("Retry-After", "2")),
    (errors.Unauthorized("writes need a token"), 401,
     ("WWW-Authenticate", 'Bearer realm="qantar"')),
    (errors.NotFound("nothing here", headers={"Vary": "Accept"}), 404, ("Vary", "Accept")),
    (OSError(errno.ENOSPC, "No space left on device"), 507, None),
])
def test_the_app_answers_an_error_with_its_class_status_and_headers_as_plain_text(
    err: Exception, status: int, header: tuple[str, str] | None
) -> None:
    response = _app_raising(err).test_client().get("/")
    assert response.status_code == status
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True).endswith("\n")
    if header is not None:
        assert response.headers[header[0]] == header[1]


@pytest.mark.parametrize(("err", "exit_code", "output"), [
    (errors.InvalidData("2 violations"), 1, "error: 2 violations\n"),
    (errors.UnreadableInput("a.ttl", "bad", 1, 2), 2, "a.ttl:1:2: bad\n"),
    (errors.GraphExists("<g> exists already"), 3, "error: <g> exists already\n"),
])
def test_the_command_line_exits_with_the_class_exit_code(
    err: errors.QantarError, exit_code: int, output: str
) -> None:
    @click.group(cls=QantarGroup)
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        raise err

    result = CliRunner().invoke(group, ["fail"])
    assert (result.exit_code, result.output) == (exit_code, output)


def test_a_failed_query_gives_its_worker_back_at_once(
    bundle_store_template: Path, tmp_path: Path
) -> None:
    # the error's traceback holds the endpoint's frame: the worker must not wait for the
    # garbage collector to come back to the pool (with one worker, the next query would wait)
    store = copy_store(bundle_store_template, tmp_path / "store")
    app = create_app(Settings.from_env(server_env(store, QANTAR_QUERY_WORKERS="1",
                                                  QANTAR_QUERY_TIMEOUT="30")))
    client = app.test_client()
    gc.disable()
    try:
        answers = [client.get("/sparql", query_string={"query": "SELEC ?x"}) for _ in range(3)]
    finally:
        gc.enable()
        app.extensions["qantar"].close()
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[-1].get_data(as_text=True).startswith(
        "SPARQL syntax error in the query at line 1, column 1: unexpected `SELEC`")
