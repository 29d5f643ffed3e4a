"""Run every benchmark: python -m tests.bench [name ...]. Each runs with its own defaults;
for its options run it alone: python -m tests.bench.<name> --help."""
import importlib
import sys

BENCHMARKS = ["intake", "read_api", "queue_pages", "mail_drain", "widget_size"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"tests.bench.{name}":
                raise
            print(f"== {name}: not present")
            continue
        print(f"== {name}")
        module.main()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
