"""Log lines on standard error: readable text by default, one JSON object per line on request.

JSON lines carry every field of a record as its own key (``method``, ``path``,
``query``, ``status``, ``ms``, ``scenario``, ``reason`` for access lines), so a log
pipeline filters on them without parsing the message; the formatter is
python-json-logger's.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging", "TEXT_FORMAT"]

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


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
    logging.getLogger("python_multipart").setLevel(logging.ERROR)  # one line per malformed upload is noise
    # uvicorn's own lines (a bind problem, "Invalid HTTP request") go through the same handler and format.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
