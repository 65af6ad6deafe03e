"""``python -m training.corpus build|report`` (see training/corpus/__init__.py)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.corpus")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write .cache/corpus/<variant>/{train,validation}.jsonl")
    b.add_argument("--variant", choices=("shipped", "research"), default="shipped")
    r = sub.add_parser("report", help="print counts and write docs/data-card.md")
    r.add_argument("--variant", choices=("shipped", "research"), default="shipped")
    r.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.cmd == "build":
        from training.corpus import write

        print(write(args.variant))
        return 0
    from training.corpus.report import main as report

    return report(args.variant, write_card=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
