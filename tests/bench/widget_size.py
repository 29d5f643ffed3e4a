"""The widget's size as served (minified and gzipped) against the tools readers meet today.

Run: .venv/bin/python -m tests.bench.widget_size  (make bench runs it with the other figures).
"""
import os
import tempfile

# Gzipped sizes of the scripts alone, as their projects ship them (Mistape also needs jQuery).
OTHERS = {"Mistape": 7.9 * 1024, "Orphus": 2.5 * 1024}
BUDGET = 5120


def served_sizes() -> tuple[int, int]:
    """Bytes of GET /widget.js with and without gzip, through the app itself."""
    from corrections import create_app
    saved = os.environ.get("CORRECTIONS_INSTANCE_PATH")
    with tempfile.TemporaryDirectory() as instance:
        os.environ["CORRECTIONS_INSTANCE_PATH"] = instance  # leave the real instance/ alone
        try:
            app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                              "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        finally:
            if saved is None:
                del os.environ["CORRECTIONS_INSTANCE_PATH"]
            else:
                os.environ["CORRECTIONS_INSTANCE_PATH"] = saved
        client = app.test_client()
        gzipped = client.get("/widget.js", headers={"Accept-Encoding": "gzip"}).data
        plain = client.get("/widget.js", headers={"Accept-Encoding": "identity"}).data
    return len(gzipped), len(plain)


def main() -> None:
    gzipped, plain = served_sizes()
    print(f"widget.js as served: {gzipped:,} bytes gzipped ({gzipped / 1024:.1f} KB), "
          f"{plain:,} bytes minified; budget {BUDGET:,} bytes")
    for name, size in OTHERS.items():
        print(f"  vs {name:8} {size / 1024:.1f} KB gzipped: {gzipped / size:.0%} of its size")


if __name__ == "__main__":
    main()
