"""spaCy's tokenizer without spaCy: the same algorithm over the same rules, in plain Python.

A search tokenises a few words of query text, but importing spaCy and making its Finnish
tokenizer took over a second of every fresh CLI process. The build therefore saves the rules
of the tokenizer it indexed with (prefix, suffix and infix patterns, token and URL matches,
special cases) into `models/tokenizer.json`; a process that only searches loads them with
`RuleTokenizer.load` and cuts text the way spaCy's `Tokenizer.__call__` does
(spacy/tokenizer.pyx: whitespace spans, `_split_affixes`, `_attach_tokens`, then the special
cases that contain affixes, `_apply_special_cases`). tests/test_tokenize.py checks that both
give the same tokens for every word form and every passage of the corpus.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1   # of the rules file; another value means "use spaCy"


def spacy_version() -> str:
    """The installed spaCy's version, from its package metadata (spaCy itself not imported)."""
    from importlib import metadata

    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        return ""


def tokenizer_rules(tokenizer) -> dict[str, Any]:
    """The rules of a spaCy tokenizer as JSON-ready data."""
    def pattern(fn) -> list | None:
        owner = getattr(fn, "__self__", None)
        if owner is None:
            return None
        if not isinstance(owner, re.Pattern):
            raise TypeError(f"not a compiled regular expression: {fn!r}")
        return [owner.pattern, owner.flags]

    return {
        "format": FORMAT,
        "spacy": spacy_version(),
        "prefix": pattern(tokenizer.prefix_search),
        "suffix": pattern(tokenizer.suffix_search),
        "infix": pattern(tokenizer.infix_finditer),
        "token_match": pattern(tokenizer.token_match),
        "url_match": pattern(tokenizer.url_match),
        "faster_heuristics": bool(getattr(tokenizer, "faster_heuristics", True)),
        "special_cases": {key: [piece[65] if 65 in piece else piece["ORTH"] for piece in pieces]
                          for key, pieces in sorted(tokenizer.rules.items())},
    }


def save_rules(tokenizer, path: Path) -> None:
    """Write `tokenizer_rules(tokenizer)` to `path` atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(tokenizer_rules(tokenizer), f, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RuleTokenizer:
    """spaCy's tokenizer algorithm over saved rules. `spans(text)` gives the (start, end) of
    every token that is not whitespace, as the analyzer takes them from spaCy."""

    def __init__(self, rules: dict[str, Any]) -> None:
        never = re.compile("a^")
        def compiled(key):
            value = rules.get(key)
            return re.compile(value[0], value[1]) if value else never

        self._prefix = compiled("prefix").search
        self._suffix = compiled("suffix").search
        self._infix = compiled("infix").finditer
        self._token_match = compiled("token_match").match if rules.get("token_match") else None
        self._url_match = compiled("url_match").match if rules.get("url_match") else None
        self._specials: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in rules["special_cases"].items()}
        self._cache: dict[str, tuple[str, ...]] = {}
        # Special cases that the affix rules would cut (Tokenizer.add_special_case): matched
        # afterwards, as token sequences, like spaCy's special-case PhraseMatcher.
        self._patterns: dict[str, list[tuple[str, ...]]] = {}
        for key in self._specials:
            if not rules.get("faster_heuristics", True) or self._find_prefix(key) or \
                    list(self._infix(key)) or self._find_suffix(key) or " " in key:
                pattern = tuple(self._tokenize_chunk(key, with_special_cases=False))
                if pattern:
                    self._patterns.setdefault(pattern[0], []).append(pattern)

    @classmethod
    def load(cls, path: Path) -> "RuleTokenizer | None":
        """The tokenizer of a rules file, or None if it is missing, unreadable, of another
        format or written with another spaCy version than the installed one."""
        try:
            rules = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(rules, dict) or rules.get("format") != FORMAT or \
                rules.get("spacy") != spacy_version() or not rules.get("spacy"):
            return None
        try:
            return cls(rules)
        except (KeyError, TypeError, ValueError, re.error):
            return None

    def spans(self, text: str) -> list[tuple[int, int]]:
        tokens = self._doc_tokens(text)
        if self._patterns:
            tokens = self._apply_special_cases(text, tokens)
        return [(start, end) for start, end in tokens if not text[start:end].isspace()]

    # -- Tokenizer._tokenize_affixes: spans of whitespace and of other characters; a single
    # ' ' after a token is its trailing space, any other whitespace a token of its own.
    def _doc_tokens(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        if not text:
            return out
        start = 0
        in_ws = text[0].isspace()
        for i, ch in enumerate(text):
            if ch.isspace() != in_ws:
                if start < i:
                    self._emit(text, start, i, out)
                start = i + 1 if ch == " " else i
                in_ws = not in_ws
        if start < len(text):
            self._emit(text, start, len(text), out)
        return out

    def _emit(self, text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
        for piece in self._chunk(text[start:end]):
            out.append((start, start + len(piece)))
            start += len(piece)

    def _chunk(self, chunk: str) -> tuple[str, ...]:
        cached = self._cache.get(chunk)
        if cached is None:
            cached = self._specials.get(chunk) or tuple(self._tokenize_chunk(chunk, True))
            if len(self._cache) < 10_000:
                self._cache[chunk] = cached
        return cached

    def _find_prefix(self, string: str) -> int:
        m = self._prefix(string)
        return m.end() - m.start() if m else 0

    def _find_suffix(self, string: str) -> int:
        m = self._suffix(string)
        return m.end() - m.start() if m else 0

    def _special(self, string: str, with_special_cases: bool) -> bool:
        return with_special_cases and string in self._specials

    # -- Tokenizer._split_affixes + _attach_tokens
    def _tokenize_chunk(self, string: str, with_special_cases: bool) -> list[str]:
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            if self._token_match and self._token_match(string):
                break
            if self._special(string, with_special_cases):
                break
            last_size = len(string)
            pre_len = self._find_prefix(string)
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and self._special(minus_pre, with_special_cases):
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self._find_suffix(string[pre_len:])
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and self._special(minus_suf, with_special_cases):
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        tokens = prefixes
        if string:
            if with_special_cases and string in self._specials:
                tokens.extend(self._specials[string])
            elif with_special_cases and string in self._cache:
                tokens.extend(self._cache[string])
            elif (self._token_match and self._token_match(string)) or \
                    (self._url_match and self._url_match(string)):
                tokens.append(string)
            else:
                matches = list(self._infix(string))
                if not matches:
                    tokens.append(string)
                else:
                    start = 0
                    for m in matches:
                        if m.start() == 0:
                            continue
                        if m.start() != start:
                            tokens.append(string[start:m.start()])
                        if m.start() != m.end():
                            tokens.append(string[m.start():m.end()])
                        start = m.end()
                    if string[start:]:
                        tokens.append(string[start:])
        tokens.extend(reversed(suffixes))
        return tokens

    # -- Tokenizer._apply_special_cases: longest matches first, then earliest; a match is
    # dropped if its first or last token is taken; matched text that is a rule is re-cut.
    def _apply_special_cases(self, text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
        words = [text[s:e] for s, e in tokens]
        matches = []
        for i, word in enumerate(words):
            for pattern in self._patterns.get(word, ()):
                j = i + len(pattern)
                if tuple(words[i:j]) == pattern:
                    matches.append((i, j))
        if not matches:
            return tokens
        matches = sorted(set(matches), key=lambda m: (m[1] - m[0], -m[0]))
        seen: set[int] = set()
        kept = []
        for start, end in reversed(matches):
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        replace = {}
        for start, end in kept:
            rule = self._specials.get(text[tokens[start][0]:tokens[end - 1][1]])
            if rule is not None:
                replace[start] = (end, rule)
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            if i in replace:
                end, rule = replace[i]
                pos = tokens[i][0]
                for piece in rule:
                    out.append((pos, pos + len(piece)))
                    pos += len(piece)
                i = end
            else:
                out.append(tokens[i])
                i += 1
        return out
