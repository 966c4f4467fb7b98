"""A project's own templates/ that publisher will not read, as errors of their own.

render.ProjectTemplates reads each template like every other project file (fsutil): a link
leaving the project, a FIFO or a device is not used, and the built-in template is. This
module says so in `check` and in every `publish` (exit 2), without importing Jinja or Babel
on the every-minute path.
"""

from __future__ import annotations

from datetime import datetime

from publisher.config import Config
from publisher.content import LoadResult
from publisher.errors import Diagnostic, FileRefused
from publisher.fsutil import read_project_file


def template_problems(config: Config) -> list[Diagnostic]:
    """Each project template (and the stylesheet override) that is not read, with why and
    what to do: the built-in one is used until it is fixed."""
    directory = config.dir("templates")
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_dir() and path.resolve().is_relative_to(config.root.resolve()):
            continue  # a directory (or a link to one inside the project): its files are listed
        try:
            read_project_file(path, config.root)
        except FileRefused as exc:
            found.append(
                Diagnostic(exc.path, 0, f"{exc.message}: the built-in one is used instead", exc.hint)
            )
    return found


def check_templates(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """Checker (checks.CHECKERS)."""
    return template_problems(config)
