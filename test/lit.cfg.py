"""lit configuration for the stablehlo-eqsat IR tests (no CMake needed: `lit -sv test`).

Tools come from PATH (an activated virtualenv), with the directory of the Python running lit
as a fallback. `FileCheck` is LLVM's when it is on PATH, else pip's `filecheck`. RUN lines
run in lit's internal shell, where `not` and `cat` are builtins.
"""

from __future__ import annotations

import os
import shlex
import sys

import lit.formats
import lit.util

config.name = "stablehlo-eqsat"  # noqa: F821 - `config` is provided by lit
# lit's internal shell (portable; `not`, `cat`, `rm` are builtins). lit >= 23 deprecates the
# external shell (`ShTest(True)`).
config.test_format = lit.formats.ShTest(execute_external=False)  # noqa: F821
config.suffixes = [".mlir"]  # noqa: F821
config.test_source_root = os.path.dirname(__file__)  # noqa: F821
config.excludes = ["Output", "lit.cfg.py"]  # noqa: F821

# PATH as the user has it, then the directory of the interpreter running lit (the virtualenv).
_tool_path = os.pathsep.join([os.environ.get("PATH", ""), os.path.dirname(sys.executable)])
config.environment["PATH"] = _tool_path  # noqa: F821


def _find(*names: str) -> str | None:
    for name in names:
        found = lit.util.which(name, _tool_path)
        if found:
            return found
    return None


def _tool(pattern: str, command: str) -> None:
    """Replace the word `pattern` in RUN lines (not inside other names or paths) with `command`."""
    regex = r"(?<![\w./%-])" + pattern + r"(?![\w.-])"
    config.substitutions.append((regex, command.replace("\\", "\\\\")))  # noqa: F821


_opt = _find("stablehlo-eqsat-opt")
if _opt is None:
    lit_config.fatal("stablehlo-eqsat-opt not found on PATH or next to " + sys.executable)  # noqa: F821
_tool("stablehlo-eqsat-opt", shlex.quote(_opt))

_filecheck = _find("FileCheck", "filecheck")
if _filecheck is None:
    lit_config.fatal("neither LLVM's FileCheck nor pip's filecheck found")  # noqa: F821
_tool("FileCheck", shlex.quote(_filecheck))

lit_config.note(f"stablehlo-eqsat-opt: {_opt}; FileCheck: {_filecheck}")  # noqa: F821
