"""Hostile uploads: JSON documents near a valid export, CSV files near a valid one, raw bytes."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from tests.properties.strategies import dates, months, nested_json, numbers, texts

# NUL in a file's text must be refused by path or by line and column, never stored.
NUL_IN_FILES = True
# Text bigger than csv's default field limit (131072 characters).
HUGE_CELL = 140_000


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, from scalars of every kind to small nested documents."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        texts(nul=NUL_IN_FILES),
        numbers(),
        dates(),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(texts(long=False, nul=NUL_IN_FILES), inner)
        ),
        max_leaves=8,
    )


@st.composite
def changed_document(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The document with up to four values somewhere inside replaced, removed or added."""
    changed = copy.deepcopy(document)
    for _change in range(draw(st.integers(0, 4))):
        node: Any = changed
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, dict | list) and child and draw(st.booleans()):
                node = child
                continue
            action = draw(st.sampled_from(["replace", "remove", "add"]))
            if action == "remove":
                del node[key]
            elif action == "add" and isinstance(node, dict):
                node[draw(texts(long=False, nul=NUL_IN_FILES))] = draw(json_values())
            else:
                node[key] = draw(json_values())
            break
    return changed


def json_files(document: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """A JSON upload: the document changed, any JSON, nested, not JSON, not UTF-8, or empty."""
    return st.one_of(
        changed_document(document).map(lambda doc: json.dumps(doc).encode()),
        json_values().map(lambda value: json.dumps(value).encode()),
        nested_json().map(str.encode),
        st.sampled_from([b"", b"   ", b"\xef\xbb\xbf{}", b"\xff\xfe{", b'{"a": NaN}', b"\x00"]),
        st.binary(max_size=200),
        texts(nul=NUL_IN_FILES).map(lambda text: text.encode()),
    )


def csv_cells(columns: tuple[str, ...]) -> st.SearchStrategy[str]:
    """A cell of any of the files' kinds: a month, a number, a date, text, quotes, separators."""
    return st.one_of(
        numbers(),
        months(),
        dates(),
        texts(long=False, nul=NUL_IN_FILES),
        st.sampled_from(['"', '""', ",", "\n", "\r", '"a,b"', 'a"b']),
        st.sampled_from(columns),
    )


CSV_KINDS = ("near", "header", "bytes", "huge")


@st.composite
def csv_files(
    draw: st.DrawFn,
    header: tuple[str, ...],
    valid_rows: list[list[str]],
    kinds: tuple[str, ...] = CSV_KINDS,
) -> bytes:
    """A CSV upload near a valid one (its rows with some cells changed, other columns), a cell
    past csv's field limit, or any bytes."""
    kind = draw(st.sampled_from(kinds))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "huge":
        # One cell past csv's field limit, in the header or in a row.
        cell = "x" * HUGE_CELL
        return draw(st.sampled_from([cell, f"{','.join(header)}\n{cell}\n"])).encode()
    columns = list(header)
    if kind == "header":
        columns = draw(
            st.lists(st.sampled_from(header) | texts(long=False, nul=NUL_IN_FILES), max_size=8)
        )
    rows = [list(row) for row in valid_rows]
    rows += draw(st.lists(st.lists(csv_cells(header), max_size=8), max_size=3))
    for _change in range(draw(st.integers(0, 4))):
        if not rows:
            break
        row = draw(st.sampled_from(rows))
        if row:
            row[draw(st.integers(0, len(row) - 1))] = draw(csv_cells(header))
    lines = [",".join(columns), *(",".join(row) for row in rows)]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    prefix = draw(st.sampled_from(["", "\ufeff"]))
    return (prefix + newline.join(lines)).encode("utf-8", errors="surrogatepass")


def upload(content: bytes, name: str = "file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def file_names() -> st.SearchStrategy[str]:
    """Upload names; Django drops NUL and paths from them, so any text may be in them."""
    return st.one_of(
        st.just("file.csv"),
        texts(long=False).map(lambda text: f"{text}.csv"),
        st.just("a" * 400),
    )
