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
from textkit.progress import ProgressFn


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


def stderr_progress() -> ProgressFn:
    """A `progress(fraction, message)` callback: a bar redrawn in place on a terminal, one line
    per stage otherwise (logs, CI). Writes to stderr only."""
    tty = sys.stderr.isatty()
    last = {"stage": None, "pct": -1}

    def report(fraction: float, message: str) -> None:
        pct = int(round(max(0.0, min(1.0, fraction)) * 100))
        if tty:
            filled = pct // 4
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (25 - filled)}] {pct:3d}% {message[:60]:<60}")
            if pct >= 100:
                sys.stderr.write("\n")
        else:
            stage = "".join(ch for ch in message if not ch.isdigit())
            if stage != last["stage"] or pct >= last["pct"] + 25:
                sys.stderr.write(f"{pct:3d}% {message}\n")
                last["stage"], last["pct"] = stage, pct
        sys.stderr.flush()

    return report


# ---------------------------------------------------------------- commands


def _cmd_parse(args: argparse.Namespace) -> int:
    from textkit.corpus import parse_path
    from textkit.parse import format_summary
    from textkit.types import to_dict

    edition = parse_path(args.file, year=args.year)
    if args.json:
        print_json(to_dict(edition))
    else:
        print(format_summary(edition))
        for warning in edition.warnings:
            print(f"textkit: varoitus: {warning}", file=sys.stderr)
    return 0


def _corpus_analyzer():
    """The shared analyzer, answering as the built index does where there is one: words the
    build split by what the corpus attests ("hankkeistustyöpajojen") show their parts here too."""
    from textkit import paths
    from textkit.analysis import get_analyzer
    from textkit.index import TOKENIZER_FILE, WORDFORMS_FILE

    analyzer = get_analyzer()
    analyzer.load_wordforms(paths.models_dir() / WORDFORMS_FILE)
    analyzer.load_tokenizer(paths.models_dir() / TOKENIZER_FILE)
    return analyzer


def _cmd_lemmatize(args: argparse.Namespace) -> int:
    analyzer = _corpus_analyzer()
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    out = sys.stdout.buffer
    for line in stdin:
        word = line.rstrip("\r\n")
        out.write(f"{word}\t{analyzer.lemma(word)}\n".encode("utf-8"))
    out.flush()
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    tokens = _corpus_analyzer().tokens(args.text)
    if args.json:
        print_json([t.to_dict() for t in tokens])
        return 0
    print("sent\ttoken\tlemma\tother readings\tcompound parts")
    for t in tokens:
        flags = "".join(("?" if t.is_word and not t.known else "", "·" if t.is_stop else ""))
        others = ",".join(t.lemmas[1:])
        parts = "+".join(t.parts)
        print(f"{t.sent}\t{t.text}\t{t.lemma}{flags}\t{others}\t{parts}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from textkit.build import build_models, check_models

    if args.check:
        problem = check_models()
        if problem:
            raise TextkitError(problem)
        print("Hakuindeksi ja aihemalli ovat ehjiä ja ajan tasalla: jokainen tiedosto vastaa rakennustiedon tarkistussummaa.")
        return 0
    report = build_models(force=args.force, progress=stderr_progress())
    if report.repaired:
        print(f"Korjattu: {report.repaired}")
    if report.built:
        print(f"Rakennettu: {report.passages} kappaletta (katsaukset {', '.join(map(str, report.editions))}), "
              f"aihemalli {'mukana' if report.topics else 'puuttuu'}, {report.seconds:.1f} s → {report.path}")
    else:
        print(f"Ajan tasalla: {report.passages} kappaletta (katsaukset {', '.join(map(str, report.editions))}); "
              "ei rakennettavaa (--force rakentaa silti).")
    return 0


def _cmd_corpus(args: argparse.Namespace) -> int:
    from textkit import corpus

    if args.action == "list":
        entries = corpus.load_manifest()
        if args.json:
            print_json(entries)
        else:
            for e in entries:
                print(f"{e['year']}\t{e['reporting_date'] or '–'}\t{e['file']}\t{e['title']}")
        return 0
    if args.action == "add":
        if not args.target:
            raise TextkitError("Anna lisättävä tiedosto: textkit corpus add TIEDOSTO --year VUOSI.")
        from pathlib import Path

        from textkit.parse import parse_file

        path = Path(args.target)
        if not path.is_file():
            raise TextkitError(f"Tiedostoa {path} ei ole.")
        # Without --year: the year in the file name, else that of the reporting date in the file.
        probe = parse_file(path, year=args.year)
        if not args.accept_year and (problem := corpus.year_mismatch(probe)):
            raise TextkitError(f"{path.name}: {problem} Jos vuosi on oikein, lisää --accept-year.")
        edition = corpus.add_edition(path.read_bytes(), path.name, probe.year, replace=args.replace,
                                     accept_year_mismatch=True)
        print(f"Lisätty vuosikatsaus {edition.year}: {len(edition.themes)} teemaa, "
              f"{len(edition.passages())} kappaletta ({edition.source}).")
    else:  # remove
        year = _year_arg(args.target)
        entries = {e["year"]: e for e in corpus.load_manifest()}
        if year in entries and not args.yes:
            if not sys.stdin.isatty():
                raise TextkitError(f"Vahvista vuosikatsauksen {year} poisto: textkit corpus remove {year} --yes.")
            answer = input(f"Poistetaanko vuosikatsaus {year} ({entries[year]['file']}) aineistosta? [k/E] ")
            if answer.strip().lower() not in ("k", "kyllä", "y", "yes"):
                print("Ei poistettu.")
                return 1
        removed = corpus.remove_edition(year)
        print(f"Poistettu vuosikatsaus {year} ({removed['file']}; tiedosto siirretty kansioon "
              f"{corpus.REMOVED_DIR}/). Korin otteet säilyvät.")
    if args.no_build:
        print("Hakuindeksiä ei rakennettu uudelleen (--no-build); seuraava haku tai textkit build tekee sen.")
        return 0
    from textkit.build import build_models

    # The previous index answers searches until the new one is complete and swapped in.
    report = build_models(progress=stderr_progress())
    print(f"Hakuindeksi ja aihemalli rakennettu: katsaukset {', '.join(map(str, report.editions))}.")
    return 0


def _year_arg(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise TextkitError(f"Anna vuosikatsauksen vuosi numerona (esim. 2025), ei {value!r}.") from None


def _cmd_search(args: argparse.Namespace) -> int:
    from textkit.index import DEFAULT_SECTIONS, format_result, search
    from textkit.query import parse_sections
    from textkit.types import to_dict

    sections = parse_sections(args.sections) if args.sections else DEFAULT_SECTIONS
    result = search(args.query, sections=sections, theme=args.theme, edition=args.edition,
                    limit=args.limit, progress=stderr_progress(), whole_words=args.whole_words)
    if args.json:
        print_json(to_dict(result))
    else:
        sys.stdout.write(format_result(result, color=sys.stdout.isatty()) + "\n")
    return 0


def _cmd_kwic(args: argparse.Namespace) -> int:
    from textkit import kwic
    from textkit.corpus import load_editions
    from textkit.index import DEFAULT_SECTIONS
    from textkit.query import parse_sections
    from textkit.types import to_dict

    sections = parse_sections(args.sections) if args.sections else DEFAULT_SECTIONS
    conc = kwic.concordance(args.query, sections=sections, theme=args.theme, edition=args.edition,
                            width=args.width, progress=stderr_progress())
    lines = kwic.sort_lines(conc.lines, args.sort, descending=args.descending)
    if args.form:
        lines = kwic.filter_forms(lines, args.form)
    if args.out:
        from textkit.export import format_for, write_file

        fmt = format_for(args.out, args.format)
        if fmt not in ("xlsx", "csv"):
            raise TextkitError(f"Konkordanssin voi viedä XLSX- tai CSV-tiedostoon, ei {fmt}-muotoon.")
        out = write_file(args.out, kwic.render_lines(lines, fmt, title=f"Konkordanssi: {args.query}"))
        print(f"Kirjoitettu {len(lines)} riviä tiedostoon {out}")
        return 0
    from textkit.ui import themes_of

    editions = load_editions()
    passages = kwic.scope_passages(editions, conc)
    names = themes_of(editions)
    if args.json:
        data = to_dict(conc)
        data["lines"] = to_dict(lines)
        data["frequencies"] = to_dict(kwic.frequencies(conc, passages, names))
        data["collocates"] = {by: to_dict(kwic.collocates(conc, passages, by=by)) for by in ("ll", "mi")}
        print_json(data)
        return 0
    out_text = [kwic.format_concordance(conc, lines, width=args.width, color=sys.stdout.isatty())]
    if args.frequencies:
        out_text.append(kwic.format_frequencies(kwic.frequencies(conc, passages, names)))
    if args.collocates:
        out_text.append(kwic.format_collocates(kwic.collocates(conc, passages, by=args.collocates)))
    sys.stdout.write("\n\n".join(out_text) + "\n")
    return 0


def _cmd_projects(args: argparse.Namespace) -> int:
    from textkit.projects import format_projects, list_projects, projects_json
    from textkit.ui import projects_table

    found = list_projects(theme=args.theme, edition=args.edition, organisation=args.organisation or "")
    if args.out:
        from textkit.export import format_for, write_file

        fmt = format_for(args.out, args.format)
        if fmt not in ("xlsx", "csv"):
            raise TextkitError(f"Hankeluettelon voi viedä XLSX- tai CSV-tiedostoon, ei {fmt}-muotoon.")
        out = write_file(args.out, projects_table(found.edition, fmt))
        print(f"Kirjoitettu {found.count} hanketta tiedostoon {out}")
    elif args.format == "xlsx":
        raise TextkitError("XLSX-muoto kirjoitetaan tiedostoon: anna --out HANKKEET.xlsx.")
    elif args.json or args.format == "json":
        print_json(projects_json(found))
    elif args.format == "csv":
        sys.stdout.buffer.write(projects_table(found.edition, "csv"))
        sys.stdout.flush()
    else:
        print(format_projects(found))
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    from textkit.topics import format_topics, topics

    result = topics(k=args.k)
    if args.rename:
        from textkit.topic_names import apply_names, rename_topic

        number, name = args.rename
        if not number.isdigit() or not 1 <= int(number) <= len(result.topics):
            raise TextkitError(f"--rename: anna aiheen numero 1–{len(result.topics)} ja nimi, "
                               f"esim. --rename 3 \"Hankehaut\" (sai '{number}').")
        if not result.stored:
            raise TextkitError("--rename nimeää tallennetun mallin aiheen: aja ensin `textkit build` (ilman --k).")
        rename_topic(result, int(number) - 1, name)
        result = apply_names(result)
    if not result.stored and args.k is None:
        print("textkit: aihemallia ei ole tallennettu (tai aineisto on muuttunut), sovitettiin nyt; "
              "`textkit build` tallentaa sen.", file=sys.stderr)
    if args.json:
        print_json(result.to_json())
    else:
        print(format_topics(result))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from textkit import compare
    from textkit.types import to_dict

    if args.all:
        if args.themes:
            raise TextkitError("Anna joko kaksi teemaa tai --all, ei molempia.")
        result = compare.compare_all(edition=args.edition)
        text = compare.format_matrix
    elif len(args.themes) == 2:
        result = compare.compare_themes(*args.themes, edition=args.edition)
        text = compare.format_comparison
    else:
        raise TextkitError("Anna kaksi teemaa (tunniste tai numero), esim. `textkit compare 1 5`, "
                           "tai --all kaikkien teemojen samankaltaisuuteen.")
    if args.json:
        print_json(to_dict(result))
    else:
        print(text(result))
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from textkit import compare
    from textkit.types import to_dict

    if args.theme:
        result = compare.diff_theme(args.theme, args.from_year, args.to_year)
        text = compare.format_theme_diff
    else:
        result = compare.diff_all(args.from_year, args.to_year)
        text = compare.format_edition_diff
    if args.json:
        print_json(to_dict(result))
    else:
        print(text(result))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from textkit import export
    from textkit.query import parse_sections

    if bool(args.query) == bool(args.collection):
        raise TextkitError("Anna vietäväksi joko hakulauseke tai --collection NIMI (ei molempia).")
    if args.collection:
        path, count = export.export_collection(args.collection, args.out, args.format, db=args.db)
    else:
        path, count = export.export_query(
            args.query, args.out, args.format, limit=args.limit, sections=parse_sections(args.sections) if args.sections else None,
            theme=args.theme, edition=args.edition,
        )
    print(f"Wrote {count} excerpt{'s' if count != 1 else ''} to {path}")
    return 0


def _cmd_basket(args: argparse.Namespace) -> int:
    from textkit import excerpts as basket_mod
    from textkit.export import cite
    from textkit.types import to_dict

    basket = basket_mod.Basket(args.db)

    def as_json(excerpt: Any) -> dict[str, Any]:
        return {**to_dict(excerpt), "citation": cite(excerpt)}

    def show(excerpt: Any, verb: str = "") -> None:
        head = f"{verb} " if verb else ""
        print(f"{head}#{excerpt.id} [{excerpt.collection}] {cite(excerpt)}")
        text = excerpt.text if len(excerpt.text) <= 300 else excerpt.text[:299] + "…"
        print("    " + text.replace("\n", "\n    "))
        if excerpt.note:
            print(f"    note: {excerpt.note}")
        if excerpt.codes:
            print(f"    codes: {', '.join(excerpt.codes)}")

    if args.action in ("edit", "remove", "add") and not args.target:
        what = "kappaleen tunniste" if args.action == "add" else "otteen tunniste"
        raise TextkitError(f"basket {args.action} tarvitsee: {what}.")
    if args.action == "add":
        source = basket_mod.find_passage(args.target)
        text = None
        if args.sentences:
            first, last = _range_arg(args.sentences)
            text = basket_mod.select_sentences(source.text, first, last)
        excerpt, created = basket.add(
            source, collection=args.collection or basket_mod.DEFAULT_COLLECTION, note=args.note or "",
            codes=args.code or (), query=args.query or "", text=text,
        )
        if args.json:
            print_json({**as_json(excerpt), "created": created})
        else:
            show(excerpt, "Added" if created else "Already in the basket:")
    elif args.action == "list":
        found = basket.excerpts(args.collection, code=args.code[0] if args.code else None)
        if args.json:
            print_json([as_json(e) for e in found])
        elif not found:
            print("The basket is empty." if not args.collection else f"No excerpts in {args.collection!r}.")
        else:
            for excerpt in found:
                show(excerpt)
    elif args.action == "edit":
        excerpt = basket.edit(_id_arg(args.target), note=args.note, codes=args.code, collection=args.collection)
        if args.json:
            print_json(as_json(excerpt))
        else:
            show(excerpt, "Edited")
    elif args.action == "remove":
        excerpt = basket.remove(_id_arg(args.target))
        if args.json:
            print_json(as_json(excerpt))
        else:
            show(excerpt, "Removed")
    elif args.action == "collections":
        found = basket.collections()
        if args.json:
            print_json(to_dict(found))
        elif not found:
            print("The basket is empty.")
        else:
            for collection in found:
                print(f"{collection.name}\t{collection.count}")
    return 0


def _range_arg(value: str) -> tuple[int, int]:
    first, _, last = value.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise TextkitError(f"--sentences on numero tai väli, esim. 2-3, ei {value!r}.") from None


def _id_arg(value: str) -> int:
    try:
        return int(value.lstrip("#"))
    except ValueError:
        raise TextkitError(f"Otteiden tunnisteet ovat numeroita (ks. `textkit basket list`), ei {value!r}.") from None


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

    p = command(
        "analyze",
        _cmd_analyze,
        "Show tokens, lemmas, all readings and compound parts of a text "
        "(lemma? = not in Voikko's dictionary, lemma· = stop word for topics).",
    )
    p.add_argument("text")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("build", _cmd_build, "Build the search index and topic model from corpus/ into models/.")
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--check", action="store_true",
                   help="only verify the built files against their checksums (exit 2 if anything is wrong)")

    p = command("corpus", _cmd_corpus, "List, add or remove the report editions in corpus/ (then rebuilds models/).")
    p.add_argument("action", choices=["list", "add", "remove"])
    p.add_argument("target", nargs="?", metavar="FILE|YEAR", help="add: the edition file; remove: its year")
    p.add_argument("--year", type=int, help="add: the edition's year (default: from the file name)")
    p.add_argument("--replace", action="store_true", help="add: replace the edition of the same year")
    p.add_argument("--accept-year", action="store_true",
                   help="add: accept a year other than that of the reporting date in the file")
    p.add_argument("--yes", action="store_true", help="remove: do not ask for confirmation")
    p.add_argument("--no-build", action="store_true", help="do not rebuild the models now")
    p.add_argument("--json", action="store_true", help="list: print JSON")

    p = command("search", _cmd_search, "Search the reports (Finnish-aware: inflections, compounds, phrases).")
    p.add_argument("query")
    p.add_argument("--sections", help="section numbers: 2,3,4,5 (default), 2-5, or all")
    p.add_argument("--theme", help="theme id")
    p.add_argument("--edition", type=int, help="edition year")
    p.add_argument("--limit", type=int, default=20, help="number of hits, 0 for all (default 20)")
    p.add_argument("--whole-words", action="store_true",
                   help="match query words only as whole words, not as parts of compounds (as sana:WORD)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("kwic", _cmd_kwic, "Concordance (KWIC) of a search: every match in its context, "
                "with collocates and frequencies per 1,000 words.")
    p.add_argument("query")
    p.add_argument("--sections", help="section numbers: 2,3,4,5 (default), 2-5, or all")
    p.add_argument("--theme", help="theme id")
    p.add_argument("--edition", type=int, help="edition year")
    p.add_argument("--sort", choices=["order", "left", "right", "form", "theme"], default="order",
                   help="order of the lines (default: document order)")
    p.add_argument("--descending", action="store_true", help="reverse the sort")
    p.add_argument("--form", action="append", help="only lines with this matched form (repeatable)")
    p.add_argument("--width", type=int, default=60, help="characters of context on each side (default 60)")
    p.add_argument("--collocates", choices=["ll", "mi"], help="also list collocates (±5 words) by LL or MI")
    p.add_argument("--frequencies", action="store_true", help="also list hits per theme, section, edition")
    p.add_argument("--out", help="write the lines to an XLSX or CSV file (with citations)")
    p.add_argument("--format", choices=["xlsx", "csv"], help="with --out: default from the extension")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("projects", _cmd_projects, "List the funded projects of section 7: code, name, implementers "
                "(lead marked), period.")
    p.add_argument("--theme", help="theme id, number or a part of its id (default: all themes)")
    p.add_argument("--edition", type=int, help="edition year (default: the latest)")
    p.add_argument("--organisation", help="only projects with an implementer whose name contains this")
    p.add_argument("--format", choices=["text", "json", "csv", "xlsx"],
                   help="output: text (default), json or csv on stdout; with --out: csv or xlsx "
                        "(default from the extension)")
    p.add_argument("--out", help="write the table to an XLSX or CSV file")
    p.add_argument("--json", action="store_true", help="print JSON (as --format json)")

    p = command("topics", _cmd_topics, "Show the topics of sections 2–5 across themes and editions.")
    p.add_argument("--k", type=int, help="number of topics (refits the model)")
    p.add_argument("--rename", nargs=2, metavar=("N", "NAME"),
                   help='name topic N, e.g. --rename 3 "Hankehaut" (\'\' removes the name; kept across rebuilds)')
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
    p.add_argument("--sections", help="with a query: section numbers: 2,3,4,5 (default), 2-5, or all")
    p.add_argument("--theme", help="with a query: theme id")
    p.add_argument("--edition", type=int, help="with a query: edition year")
    p.add_argument("--db", help="excerpt database (default models/excerpts.sqlite3)")

    p = command("basket", _cmd_basket, "Manage the excerpt basket (add, list, edit, remove).")
    p.add_argument("action", choices=["add", "list", "edit", "remove", "collections"])
    p.add_argument("target", nargs="?", help="passage id (add) or excerpt id (edit, remove)")
    p.add_argument("--collection", help="collection name (add: default 'Oletus'; list: only this one; edit: move)")
    p.add_argument("--note", help="free-text note (edit: replaces the note)")
    p.add_argument("--code", action="append", default=None,
                   help="a code (tag); repeat for several (edit: replaces all codes; --code '' clears)")
    p.add_argument("--query", help="add: the query that found the passage")
    p.add_argument("--sentences", help="add: quote only sentences N or N-M of the passage (1-based)")
    p.add_argument("--db", help="excerpt database (default models/excerpts.sqlite3)")
    p.add_argument("--json", action="store_true", help="print JSON")

    return parser
