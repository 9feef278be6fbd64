"""The rule library's egglog text, kept on disk between processes.

Building the rules runs egglog-python's DSL (seconds); a process that finds them here replays
their text instead (`rules/program.py`). Files live under the user cache directory
(`$XDG_CACHE_HOME/stablehlo-eqsat/rules/`, like the measurement cache) and are named by a key
made of a digest of the code they were made by (`rules/` and `dialect_glue/`, the program
format, the installed egglog and Python) and of what they hold (the fp-mode and the names of
the rules selected). Each file carries a checksum of its content: a damaged, foreign or stale
file reads as missing and is rebuilt. Files are written whole to a temporary name and renamed,
so processes running at once (lit runs many) never see a partial one; the last writer wins,
and all write the same.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def default_directory() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "stablehlo-eqsat" / "rules"


@functools.cache
def code_digest() -> str:
    """A digest of what the cached text depends on: the rule files and the schema (`rules/`,
    `dialect_glue/`), the program format, and the egglog and Python that generated it."""
    import stablehlo_eqsat.dialect_glue as glue
    from stablehlo_eqsat.rules import program

    from stablehlo_eqsat.compat import egglog_identity

    digest = hashlib.sha256(f"{program.FORMAT}|{egglog_identity()}|{sys.version_info[:2]}".encode())
    for folder in (Path(__file__).parent, Path(glue.__file__).parent):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def key(kind: str, *parts: str) -> str:
    """The name of the entry for `kind` (`catalog`, `schema`, an fp-mode) and `parts`."""
    digest = hashlib.sha256("\0".join((code_digest(), kind, *parts)).encode()).hexdigest()[:24]
    return f"{kind}-{digest}"


def load(name: str, directory: Path | None = None) -> Any | None:
    """The content stored under `name`, or None when there is none or it does not check out."""
    path = (directory or default_directory()) / f"{name}.json"
    try:
        js = json.loads(path.read_text())
        content = js["content"]
        if js["name"] != name or js["sha256"] != _checksum(content):
            raise ValueError("checksum mismatch")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.info("ignoring the rule cache entry %s: %s", path, e)
        return None
    return content


def store(name: str, content: Any, directory: Path | None = None) -> None:
    """Keep `content` (JSON-able) under `name`; a cache that cannot be written is only logged."""
    folder = directory or default_directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"name": name, "sha256": _checksum(content), "content": content})
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, folder / f"{name}.json")
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as e:
        log.info("could not write the rule cache %s: %s", folder, e)


def _checksum(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
