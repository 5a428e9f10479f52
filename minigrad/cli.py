"""The `minigrad` command: the REPL, `minigrad graph`, `minigrad lesson`, `--version`."""
from __future__ import annotations

import sys


USAGE = """usage: minigrad [--version] [--device cpu|cuda]        start the REPL
       minigrad graph EXPR -o FILE.png | --mlp 2,4,1 -o FILE.png
       minigrad lesson list | N [--check] [--out DIR] | path/to/lesson.md
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        from . import __version__

        print(f"minigrad {__version__}")
        return 0
    if args[:1] in (["-h"], ["--help"], ["help"]):
        print(USAGE, end="")
        return 0
    if args[:1] == ["graph"]:
        from .viz.cli import main as graph_main

        return graph_main(args[1:])
    if args[:1] in (["lesson"], ["lessons"]):
        from .lessons import main as lesson_main

        return lesson_main(args[1:])
    if args and not args[0].startswith("-"):
        print(f"minigrad: unknown command {args[0]!r}\n{USAGE}", end="", file=sys.stderr)
        return 2
    from repl.app import main as repl_main

    return repl_main(args)


if __name__ == "__main__":
    sys.exit(main())
