"""The read API benchmark's pieces: GET loads, the same answer from both contenders (no timing
asserted here)."""
import pytest

from tests.bench import intake, read_api
from tests.bench import load as loadgen
from tests.test_bench_intake import GENERATORS


@pytest.fixture
def corrections_answer(tmp_path):
    app = read_api.Corrections(f"sqlite:///{tmp_path / 'read.sqlite3'}", tmp_path / "instance")
    app.set_up()
    return app, read_api.publish_corrections(app, 3)


@pytest.mark.parametrize("generator", GENERATORS)
def test_the_load_gets_the_corrections_and_counts_answers(tmp_path, corrections_answer, generator):
    app, answer = corrections_answer
    server = app.server(tmp_path)
    try:
        server.wait_ready()
        status, body = read_api.probe(server, timeout=60)
        assert status == 200 and body == answer
        result = loadgen.run(generator, server.url, read_api.LOAD, connections=4, seconds=1,
                             tag="t")
    finally:
        server.stop()
    assert result.requests > 0 and (result.non_2xx, result.failed) == (0, 0)


def test_bare_flask_answers_the_same_size(tmp_path, corrections_answer, monkeypatch):
    _, answer = corrections_answer
    (tmp_path / "answer.json").write_bytes(answer)
    monkeypatch.setenv("BENCH_READ_ANSWER", str(tmp_path / "answer.json"))
    bare = read_api.bare_app().test_client().get(read_api.PATH)
    assert bare.get_json() == read_api.json.loads(answer)
    assert abs(len(bare.data) - len(answer)) <= 1


def test_the_article_has_the_published_corrections_asked_for(corrections_answer):
    _, answer = corrections_answer
    entries = read_api.json.loads(answer)["corrections"]
    assert len(entries) == 3 and sum(1 for e in entries if e["updated_at"]) == 1
    assert intake.SITE_ORIGIN in entries[0]["article"]["url"]
