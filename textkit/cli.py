"""The `textkit` command. Each subcommand parses its arguments, calls one textkit
function and prints text for people or UTF-8 JSON (`--json`) for programs.

Heavy modules are imported inside the handlers so that `textkit --help` is instant.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import Any, Callable

from textkit.errors import TextkitError


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except TextkitError as exc:
        print(f"textkit: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("textkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def print_json(data: Any) -> None:
    """UTF-8 JSON on stdout, whatever the terminal's encoding."""
    sys.stdout.buffer.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- commands


def _cmd_parse(args: argparse.Namespace) -> int:
    raise TextkitError("parse is not implemented yet")


def _cmd_lemmatize(args: argparse.Namespace) -> int:
    from textkit.analysis import get_analyzer

    analyzer = get_analyzer()
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    out = sys.stdout.buffer
    for line in stdin:
        word = line.rstrip("\r\n")
        out.write(f"{word}\t{analyzer.lemma(word)}\n".encode("utf-8"))
    out.flush()
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from textkit.analysis import get_analyzer

    tokens = get_analyzer().tokens(args.text)
    if args.json:
        print_json([t.to_dict() for t in tokens])
        return 0
    for t in tokens:
        flags = "".join(("?" if t.is_word and not t.known else "", "·" if t.is_stop else ""))
        others = ",".join(t.lemmas[1:])
        parts = "+".join(t.parts)
        print(f"{t.sent}\t{t.text}\t{t.lemma}{flags}\t{others}\t{parts}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    raise TextkitError("build is not implemented yet")


def _cmd_search(args: argparse.Namespace) -> int:
    raise TextkitError("search is not implemented yet")


def _cmd_topics(args: argparse.Namespace) -> int:
    raise TextkitError("topics is not implemented yet")


def _cmd_compare(args: argparse.Namespace) -> int:
    raise TextkitError("compare is not implemented yet")


def _cmd_diff(args: argparse.Namespace) -> int:
    raise TextkitError("diff is not implemented yet")


def _cmd_export(args: argparse.Namespace) -> int:
    raise TextkitError("export is not implemented yet")


def _cmd_basket(args: argparse.Namespace) -> int:
    raise TextkitError("basket is not implemented yet")


# ---------------------------------------------------------------- argument parsing


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textkit",
        description="Finnish search and text analytics for the ESR+ national theme reviews.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    p = command("parse", _cmd_parse, "Parse a report edition (TXT, PDF, DOCX) into themes, sections and passages.")
    p.add_argument("file")
    p.add_argument("--year", type=int, help="edition year (default: from the manifest or the file)")
    p.add_argument("--json", action="store_true", help="print JSON")

    command("lemmatize", _cmd_lemmatize, "Read one word per line on stdin, print word<TAB>lemma.")

    p = command("analyze", _cmd_analyze, "Show tokens, lemmas, all readings and compound parts of a text.")
    p.add_argument("text")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("build", _cmd_build, "Build the search index and topic model from corpus/ into models/.")
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")

    p = command("search", _cmd_search, "Search the reports (Finnish-aware: inflections, compounds, phrases).")
    p.add_argument("query")
    p.add_argument("--sections", help="comma-separated section numbers (default 2,3,4,5)")
    p.add_argument("--theme", help="theme id")
    p.add_argument("--edition", type=int, help="edition year")
    p.add_argument("--limit", type=int, default=20, help="number of hits, 0 for all (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("topics", _cmd_topics, "Show the topics of sections 2–5 across themes and editions.")
    p.add_argument("--k", type=int, help="number of topics (refits the model)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("compare", _cmd_compare, "Compare two themes, or all themes with --all.")
    p.add_argument("themes", nargs="*", metavar="THEME")
    p.add_argument("--all", action="store_true", help="similarity matrix of all themes")
    p.add_argument("--edition", type=int, help="edition year (default: the latest)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("diff", _cmd_diff, "What changed in a theme between two editions.")
    p.add_argument("theme", nargs="?", help="theme id (omit for all themes)")
    p.add_argument("--from", dest="from_year", type=int, required=True)
    p.add_argument("--to", dest="to_year", type=int, required=True)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("export", _cmd_export, "Export excerpts (a search or a basket collection) with citations.")
    p.add_argument("query", nargs="?", help="export the hits of this search")
    p.add_argument("--collection", help="export this basket collection")
    p.add_argument("--out", required=True, help="output file")
    p.add_argument("--format", choices=["xlsx", "docx", "csv", "md"], help="default: from the file extension")
    p.add_argument("--limit", type=int, default=0, help="with a query: top N hits (default all)")

    p = command("basket", _cmd_basket, "Manage the excerpt basket (add, list, edit, remove).")
    p.add_argument("action", choices=["add", "list", "edit", "remove", "collections"])
    p.add_argument("target", nargs="?", help="passage id (add) or excerpt id (edit, remove)")
    p.add_argument("--collection", default="Oletus", help="collection name (default 'Oletus')")
    p.add_argument("--note")
    p.add_argument("--code", action="append", default=None, help="a code (tag); repeat for several")
    p.add_argument("--query", help="the query that found the passage")
    p.add_argument("--json", action="store_true", help="print JSON")

    return parser
