"""Topic names the user gives ("Hankehaut"), kept across rebuilds.

The names live in `models/topic-names.json`, beside the excerpt basket. Like the
basket it is **user data**: `textkit build`, a rebuild in the app and `make
clean-models` leave it alone. A name is stored with the top terms the topic had
when it was named, and `match_names` gives it back to the topic of a new model whose
top terms are the closest (one-to-one, at least `MIN_OVERLAP` Jaccard): a rebuild
keeps the name when the topic survives and drops it (from what is shown) when it
does not. The stored entry stays in the file, so a topic that comes back gets its
name back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from textkit import paths
from textkit.errors import TextkitError

NAMES_FILE = "topic-names.json"
SCHEMA_VERSION = 1
MIN_OVERLAP = 0.3          # Jaccard of top terms for a stored name to fit a topic of a new model
N_MATCH_TERMS = 10         # the top terms compared
MAX_NAME_CHARS = 60

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200d\ufeff]")


@dataclass(frozen=True)
class TopicName:
    name: str
    terms: tuple[str, ...]     # the topic's top terms when it was named
    named_at: str              # ISO time (UTC)


# ---------------------------------------------------------------- public functions


def match_names(named: Sequence[TopicName], topics: Sequence[Any], *, min_overlap: float = MIN_OVERLAP) -> dict[int, TopicName]:
    """Topic id → the stored name whose terms fit it best (one-to-one by Jaccard of the top
    terms, Hungarian matching; pairs below `min_overlap` are not matched).

    `topics` are records with `id` and `terms` ((term, weight) pairs or plain terms). Also the
    basis for matching topics across editions."""
    if not named or not topics:
        return {}
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    topic_terms = [_term_set(t.terms) for t in topics]
    sim = np.array([[_jaccard(set(n.terms[:N_MATCH_TERMS]), terms) for terms in topic_terms] for n in named])
    rows, cols = linear_sum_assignment(-sim)
    return {topics[c].id: named[r] for r, c in zip(rows, cols) if sim[r, c] >= min_overlap}


def load_names(models_dir: Path | None = None) -> list[TopicName]:
    """The stored names ([] without a file)."""
    path = paths.models_dir(models_dir) / NAMES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise TextkitError(f"Aiheiden nimien tiedosto {path} on rikki ({exc}). Korjaa tai poista se; "
                           "muut tiedot eivät ole siinä.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("names"), list):
        raise TextkitError(f"Aiheiden nimien tiedosto {path} ei ole odotetussa muodossa.")
    return [TopicName(str(n["name"]), tuple(str(t) for t in n.get("terms", ())), str(n.get("named_at", "")))
            for n in data["names"] if isinstance(n, dict) and n.get("name")]


def apply_names(result: Any, models_dir: Path | None = None) -> Any:
    """The topics result with each surviving topic's user name set (`Topic.name`)."""
    found = match_names(load_names(models_dir), result.topics)
    topics = tuple(replace(t, name=found[t.id].name if t.id in found else "") for t in result.topics)
    return replace(result, topics=topics)


def rename_topic(result: Any, topic_id: int, name: str, models_dir: Path | None = None) -> list[TopicName]:
    """Give topic `topic_id` of `result` the name `name` ('' removes its name); saved at once."""
    topic = next((t for t in result.topics if t.id == topic_id), None)
    if topic is None:
        raise TextkitError(f"Aihetta {topic_id + 1} ei ole mallissa (aiheita on {len(result.topics)}).")
    name = clean_name(name)
    names = load_names(models_dir)
    current = match_names(names, result.topics)
    mine = current.get(topic_id)
    names = [n for n in names if n is not mine]
    if name:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        names.append(TopicName(name, tuple(_term_list(topic.terms)[:N_MATCH_TERMS]), stamp))
    _write(names, models_dir)
    return names


def clean_name(name: str) -> str:
    """A name as stored: spaces collapsed; refused when too long or with control characters."""
    if not isinstance(name, str):
        raise TextkitError("Aiheen nimen pitää olla tekstiä.")
    if _CONTROL_RE.search(name.replace("\n", " ").replace("\t", " ").replace("\r", " ")):
        raise TextkitError("Aiheen nimessä on ohjausmerkkejä; kirjoita nimi tavallisin kirjaimin.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_CHARS:
        raise TextkitError(f"Aiheen nimi on liian pitkä ({len(name)} merkkiä, enintään {MAX_NAME_CHARS}).")
    return name


def display_name(topic: Any) -> str:
    """What people see for a topic: the user's name, else the label."""
    return getattr(topic, "name", "") or topic.label


# ---------------------------------------------------------------- private helpers


def _term_list(terms: Sequence[Any]) -> list[str]:
    return [t[0] if isinstance(t, (tuple, list)) else str(t) for t in terms]


def _term_set(terms: Sequence[Any]) -> set[str]:
    return set(_term_list(terms)[:N_MATCH_TERMS])


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _write(names: Sequence[TopicName], models_dir: Path | None) -> None:
    from textkit.topics import _write_json_atomic   # the models folder's one atomic JSON writer

    folder = paths.models_dir(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(folder / NAMES_FILE, {
        "schema": SCHEMA_VERSION,
        "names": [{"name": n.name, "terms": list(n.terms), "named_at": n.named_at} for n in names]})
