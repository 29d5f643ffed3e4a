"""Run the whole suite as two pytest processes at once, for `make test` on a machine with two cores.

One runs everything on SQLite (and the tests that need no database); the other runs the database
tests on PostgreSQL. Each has its own Redis database, since tests empty theirs. The SQLite run
prints as it goes; the PostgreSQL run's output follows when both have ended. The exit status is
the worse of the two. Naming a backend (`--db=sqlite`) makes it one ordinary run.
"""
import os
import subprocess
import sys
import tempfile

REDIS_BASE = os.environ.get("CORRECTIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]


def main(arguments: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest", *arguments]
    if any(argument.startswith("--db") for argument in arguments):
        return subprocess.call(pytest)  # one backend asked for: one run
    with tempfile.TemporaryFile("w+") as postgresql_output:
        postgresql = subprocess.Popen(
            [*pytest, "--db=postgresql", "--database-tests-only"],
            env={**os.environ, "CORRECTIONS_TEST_REDIS_URL": f"{REDIS_BASE}/14"},
            stdout=postgresql_output, stderr=subprocess.STDOUT)
        try:
            sqlite = subprocess.call([*pytest, "--db=sqlite"],
                                     env={**os.environ, "CORRECTIONS_TEST_REDIS_URL": f"{REDIS_BASE}/15"})
            postgresql.wait()
        finally:
            if postgresql.poll() is None:
                postgresql.terminate()
                postgresql.wait()
        postgresql_output.seek(0)
        print("\n===== the database tests on PostgreSQL =====", flush=True)
        sys.stdout.write(postgresql_output.read())
    print(f"\nSQLite run: exit {sqlite}; PostgreSQL run: exit {postgresql.returncode}")
    # pytest's 5 means "no tests collected"; either run failing fails the whole.
    return max(sqlite, postgresql.returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
