"""The intake benchmark's pieces start, count truthfully and stop (no timing asserted here)."""
import os
import socket

import pytest

from tests.bench import intake
from tests.bench import load as loadgen

GENERATORS = ["python", pytest.param("wrk", marks=pytest.mark.skipif(
    not loadgen.wrk_path(), reason="wrk is not installed (apt-get install wrk); "
                                   "the bench falls back to the Python generator"))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child not yet reaped is a zombie: gone for our purposes.
    return intake._proc_stat(pid) is not None and intake._proc_stat(pid)[0] != "Z"


@pytest.fixture
def bare_server(tmp_path):
    server = intake.Server([intake.sys.executable, "-m", "gunicorn", "tests.bench.intake:bare_app()"],
                           intake.server_env({}), intake.ROOT, tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        # The workers load the app after they start: the first answer says one is serving.
        assert intake.probe(server, intake.NEW)[0] == 201
        yield server
    finally:
        server.stop()


def test_server_stops_its_master_and_every_worker(tmp_path):
    server = intake.Server([intake.sys.executable, "-m", "gunicorn", "tests.bench.intake:bare_app()"],
                           intake.server_env({}), intake.ROOT, tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        workers = intake.children(server.process.pid)
        assert len(workers) == intake.WORKERS
    finally:
        server.stop()
    assert not any(_alive(pid) for pid in [server.process.pid, *workers])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), 1).close()


@pytest.mark.parametrize("generator", GENERATORS)
def test_generator_sends_unique_bodies_and_counts_answers(bare_server, generator):
    result = loadgen.run(generator, bare_server.url, intake.NEW, connections=4, seconds=1, tag="t")
    assert result.requests > 0
    assert (result.non_2xx, result.failed) == (0, 0)
    assert 0 < result.p50_ms <= result.p99_ms
    assert result.rate == pytest.approx(result.requests / result.seconds)


@pytest.mark.parametrize("generator", GENERATORS)
def test_generator_counts_every_non_2xx_answer(bare_server, generator):
    missing = loadgen.Load("/no-such-endpoint", intake.NEW.body, intake.NEW.headers)
    result = loadgen.run(generator, bare_server.url, missing, connections=4, seconds=1, tag="t")
    assert result.requests > 0
    assert result.non_2xx == result.requests
    assert result.rate == 0
    assert result.sample.startswith("404")


def test_load_fills_each_request_with_its_own_token():
    first = intake.NEW.request("r-1-1", 1)
    second = intake.NEW.request("r-1-2", 2)
    assert first[1] != second[1]
    assert b"passage number r-1-1" in first[1] and b"story-1" in first[1]
    # Grouped repeats: the suggestion repeats with the article number, the comment does not.
    repeat = intake.GROUPED.request("r-2-7", 1)
    assert b"passage number 1" in repeat[1] and b"Comment r-2-7" in repeat[1]


def test_corrections_contender_is_set_up_through_the_cli_and_stores_what_it_answers(tmp_path):
    app = intake.Corrections(f"sqlite:///{tmp_path / 'bench.sqlite3'}", tmp_path / "instance")
    app.set_up()
    server = app.server(tmp_path)
    try:
        server.wait_ready()
        status, body = intake.probe(server, intake.NEW)
    finally:
        server.stop()
    assert status == 201, body
    counts = app.counts()
    assert (counts["submission"], counts["correction_request"]) == (1, 1)
    # The request stores one event; the mail worker, not the request, writes the emails.
    assert (counts["event"], counts["outbox_message"]) == (1, 0)


def test_report_flags_a_contender_with_errors(capsys):
    contender = intake.Contender("bare", intake.CONTENDERS["bare"])
    contender.result = loadgen.Result(requests=100, seconds=1.0, non_2xx=3, failed=1, p50_ms=1.0,
                                      p99_ms=2.0, generator_cpu=0.1)
    contender.problems.append("measured run: 3 non-2xx, 1 failed")
    intake.report({"bare": contender})
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(contender.label))
    assert row.split()[-1] == "!"
    assert "97" in row.split()  # 2xx answers per second: the errors are not counted
    assert "bare: ! measured run: 3 non-2xx, 1 failed" in out


def test_bench_runs_end_to_end_on_the_baseline(capsys):
    intake.main(["--only", "bare", "--seconds", "1", "--warmup", "1", "--settle", "0",
                 "--generator", "python"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(intake.CONTENDERS["bare"]))
    assert float(row.split()[5]) > 0  # req/s
    assert "SQLite new vs bare Flask" in out and "not measured" in out
