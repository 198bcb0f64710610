"""Log lines on standard error: readable text by default, one JSON object per line on request.

JSON lines carry every field of a record as its own key (``method``, ``path``,
``query``, ``status``, ``ms``, ``scenario``, ``reason`` for access lines), so a log
pipeline filters on them without parsing the message; the formatter is
python-json-logger's.

Access lines are the exception to going through :mod:`logging` one record at a
time: at tens of thousands of requests a second, a record each (create, format,
lock, write) costs more than serving a cached reply. When the server configured
logging itself (``mockserver serve``), the access log's writer thread hands its
batch to :func:`write_access_batch`, which formats the same line in the same
format and writes the whole batch with one call. Embedded in another program
(the pytest plugin, ``create_app``), access lines stay ordinary log records, so
that program's handlers see them.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any, Callable, Sequence

import orjson
from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging", "TEXT_FORMAT", "write_access_batch"]

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


_batch_target: tuple[logging.Handler, IO[str], str] | None = None  # (our handler, stream, format) once configured
_stamp_cache: tuple[int, str] = (-1, "")


def configure_logging(log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(name)s %(levelname)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    global _batch_target
    _batch_target = (handler, sys.stderr, log_format)
    logging.getLogger("python_multipart").setLevel(logging.ERROR)  # one line per malformed upload is noise
    # uvicorn's own lines (a bind problem, "Invalid HTTP request") go through the same handler and format.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)


def write_access_batch(stamps: Sequence[float], messages: Sequence[str],
                       fields: Callable[[int], dict[str, Any]]) -> bool:
    """Write access lines in one call, formatted as the configured handler would; False if logging is not ours.

    ``stamps[i]`` is when line i's request ended, ``fields(i)`` its facts as JSON fields (asked for only when
    the format is JSON: most of a line's cost is building what it does not print).
    """
    access = logging.getLogger("mockserver.access")
    if _batch_target is None or logging.getLogger().handlers != [_batch_target[0]] or access.handlers:
        return False  # someone else listens too (a test's log capture, an embedding program): ordinary records
    if not access.isEnabledFor(logging.INFO):
        return True
    _, stream, log_format = _batch_target
    if log_format == "json":
        text = "".join(orjson.dumps({"time": _asctime(when), "logger": "mockserver.access", "level": "INFO",
                                     "message": message, **fields(i)}).decode() + "\n"
                       for i, (when, message) in enumerate(zip(stamps, messages)))
    else:
        lines = []
        second, second_text = -1, ""
        for when, message in zip(stamps, messages):
            if int(when) != second:
                second = int(when)
                second_text = _second_text(second)
            lines.append("%s,%03d mockserver.access INFO %s\n" % (second_text, (when - second) * 1000, message))
        text = "".join(lines)
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # a closed or broken stream: the requests were served, the lines are lost
        pass
    return True


def _asctime(when: float) -> str:
    """logging's default asctime: local time, milliseconds after a comma."""
    second = int(when)
    return "%s,%03d" % (_second_text(second), (when - second) * 1000)


def _second_text(second: int) -> str:
    global _stamp_cache
    if _stamp_cache[0] != second:
        _stamp_cache = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)))
    return _stamp_cache[1]
