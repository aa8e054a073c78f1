"""Reading files into documents: txt, md, html, pdf, csv, jsonl and SQuAD JSON.

A `Document` keeps the structure the chunker needs as `Block`s (a paragraph, a list item, a table row, a page,
each with the heading path it sits under), so that chunks break at headings and paragraphs rather than in the
middle of a sentence. A csv or jsonl file yields one document per row (a booking, a flight), keyed by its
`id` column when it has one; a SQuAD file yields one document per paragraph. A document's key is its path
relative to the folder being ingested (plus `#row`), which is what `steward rag delete` names. Files that
cannot be read raise `UnreadableFile` with the reason; the ingester reports them by name and goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPPORTED = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
ID_FIELDS = ("id", "doc_id", "key")
TEXT_FIELDS = ("text", "content", "body")
TITLE_FIELDS = ("title", "name")
MAX_FILE_BYTES = 50 * 1024 * 1024


class UnreadableFile(Exception):
    """A file that cannot be ingested, with the reason in words."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Block:
    """A structural unit of a document: its text and the heading path above it."""

    text: str
    section: str = ""


@dataclass(slots=True)
class Document:
    """One document to ingest."""

    key: str
    uri: str
    kind: str
    title: str
    blocks: list[Block]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def content_hash(self) -> str:
        body = json.dumps([[b.section, b.text] for b in self.blocks], ensure_ascii=False)
        meta = json.dumps({"title": self.title, **self.metadata}, sort_keys=True, default=str)
        return hashlib.sha256(f"{body}\x00{meta}".encode()).hexdigest()


def _paragraphs(text: str, section: str = "") -> list[Block]:
    return [Block(p.strip(), section) for p in re.split(r"\n\s*\n", text) if p.strip()]


def read_txt(path: Path, key: str) -> list[Document]:
    text = _read_text(path)
    return [Document(key, path.resolve().as_uri(), "txt", path.stem, _paragraphs(text))]


HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def read_md(path: Path, key: str) -> list[Document]:
    """Paragraphs under their heading path; fenced code stays in one block."""
    text = _read_text(path)
    blocks: list[Block] = []
    headings: list[str] = []
    buffer: list[str] = []
    in_fence = False

    def flush() -> None:
        blocks.extend(_paragraphs("\n".join(buffer), " > ".join(headings)))
        buffer.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            headings[:] = [*headings[: level - 1], match.group(2)]
            continue
        buffer.append(line)
    flush()
    title = next((b.section.split(" > ")[0] for b in blocks if b.section), path.stem)
    return [Document(key, path.resolve().as_uri(), "md", title, blocks)]


HTML_BLOCKS = ("p", "li", "pre", "blockquote", "tr", "dt", "dd", "figcaption", "caption")
HTML_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def read_html(path: Path, key: str) -> list[Document]:
    """Block elements in reading order under their heading path; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path), "html.parser")
    for junk in soup(["script", "style", "nav", "noscript", "template", "head"]):
        junk.decompose()
    title_tag = BeautifulSoup(_read_text(path), "html.parser").title
    blocks: list[Block] = []
    headings: list[str] = []
    for element in soup.find_all([*HTML_HEADINGS, *HTML_BLOCKS]):
        if element.find_parent(HTML_BLOCKS):
            continue  # a <p> inside an <li>: its text is already part of the outer block
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name in HTML_HEADINGS:
            level = int(element.name[1])
            headings[:] = [*headings[: level - 1], text]
            continue
        blocks.append(Block(text, " > ".join(headings)))
    if not blocks:  # text outside block elements (a bare body)
        blocks = _paragraphs(soup.get_text("\n", strip=True))
    title = title_tag.get_text(strip=True) if title_tag else path.stem
    return [Document(key, path.resolve().as_uri(), "html", title or path.stem, blocks)]


def read_pdf(path: Path, key: str) -> list[Document]:
    """One block per paragraph of each page; the section names the page for citations."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise UnreadableFile(path, "the PDF is encrypted; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableFile(path, f"not a readable PDF ({exc})") from None
    blocks = [b for number, text in enumerate(pages, 1) for b in _paragraphs(text, f"page {number}")]
    if not blocks:
        raise UnreadableFile(path, "the PDF has no extractable text (scanned images need OCR first)")
    meta = reader.metadata
    title = (meta.title if meta and meta.title else None) or path.stem
    return [Document(key, path.resolve().as_uri(), "pdf", str(title), blocks, {"pages": len(pages)})]


def _row_document(
    row: dict[str, Any], path: Path, key: str, number: int, kind: str, id_field: str | None = None
) -> Document | None:
    row = {str(k).strip(): v for k, v in row.items() if k is not None}
    fields = (id_field,) if id_field else ID_FIELDS
    row_id = next((str(row[f]).strip() for f in fields if f and str(row.get(f) or "").strip()), str(number))
    text_field = next((f for f in TEXT_FIELDS if isinstance(row.get(f), str) and row[f].strip()), None)
    scalars = {k: v for k, v in row.items() if isinstance(v, str | int | float | bool) and v != ""}
    if text_field:
        text = row[text_field].strip()
        metadata = {k: v for k, v in scalars.items() if k != text_field}
    else:
        text = "; ".join(f"{k}: {v}" for k, v in scalars.items())
        metadata = {}
    if not text:
        return None
    title = next((str(row[f]) for f in TITLE_FIELDS if row.get(f)), f"{path.stem} {row_id}")
    uri = f"{path.resolve().as_uri()}#{row_id}"
    return Document(f"{key}#{row_id}", uri, kind, title, _paragraphs(text), metadata)


def read_csv(path: Path, key: str) -> list[Document]:
    """One document per row; columns become `name: value` text unless a `text` column holds the body."""
    text = _read_text(path)
    try:
        reader = csv.DictReader(io.StringIO(text))
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFile(path, f"not valid CSV ({exc})") from None
    id_field = _csv_id_field(list(reader.fieldnames or []), rows)
    documents = [d for n, row in enumerate(rows, 1) if (d := _row_document(row, path, key, n, "csv", id_field))]
    return _unique_rows(path, documents)


def _csv_id_field(columns: list[str], rows: list[dict[str, Any]]) -> str | None:
    """An `id` column, else the first column when its values are unique (a flight number), else row numbers."""
    names = [c.strip() for c in columns if c]
    for name in ID_FIELDS:
        if name in names:
            return name
    if names:
        values = [str(r.get(columns[0]) or "").strip() for r in rows]
        if all(values) and len(set(values)) == len(values):
            return names[0]
    return None


def read_jsonl(path: Path, key: str) -> list[Document]:
    """One document per JSON object line; a `text` field is the body, other scalar fields its metadata."""
    documents = []
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(path, f"line {number} is not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UnreadableFile(path, f"line {number} is not a JSON object")
        document = _row_document(row, path, key, number, "jsonl")
        if document is not None:
            documents.append(document)
    return _unique_rows(path, documents)


def _unique_rows(path: Path, documents: list[Document]) -> list[Document]:
    seen: set[str] = set()
    for document in documents:
        if document.key in seen:
            raise UnreadableFile(
                path, f"two rows share the id {document.key.split('#', 1)[1]!r}; ids must be unique"
            )
        seen.add(document.key)
    return documents


def read_squad(path: Path, key: str) -> list[Document]:
    """SQuAD JSON (v1.1/v2.0): one document per paragraph, keyed `title#n`; question ids in metadata."""
    try:
        data = json.loads(_read_text(path))
        articles = data["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UnreadableFile(
            path, f"not SQuAD JSON ({exc}); expected {{'data': [{{'title', 'paragraphs'}}]}}"
        ) from None
    documents = []
    for article in articles:
        title = str(article.get("title", "untitled"))
        for number, paragraph in enumerate(article.get("paragraphs", [])):
            context = str(paragraph.get("context", "")).strip()
            if context:
                ids = [str(qa.get("id")) for qa in paragraph.get("qas", [])]
                documents.append(
                    Document(
                        squad_key(title, number),
                        f"{path.resolve().as_uri()}#{title}/{number}",
                        "squad",
                        title,
                        _paragraphs(context),
                        {"questions": len(ids)},
                    )
                )
    return documents


def squad_key(title: str, number: int) -> str:
    return f"{title}#{number}"


READERS = {
    "txt": read_txt,
    "md": read_md,
    "html": read_html,
    "pdf": read_pdf,
    "csv": read_csv,
    "jsonl": read_jsonl,
}


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise UnreadableFile(path, "binary content where text was expected")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(path, "not UTF-8 text; convert it with `iconv -t utf-8`") from None


def read_file(path: Path, key: str, squad: bool = False) -> list[Document]:
    """The documents of one file, or UnreadableFile."""
    if squad:
        return read_squad(path, key)
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted({s.lstrip(".") for s in SUPPORTED}))
        raise UnreadableFile(path, f"unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile(path, f"larger than {MAX_FILE_BYTES // 2**20} MiB; split it first")
        return READERS[kind](path, key)
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None


def walk(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, key) for every file under the given paths; hidden files and folders are skipped."""
    for root in paths:
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                relative = file.relative_to(root)
                if file.is_file() and not any(part.startswith(".") for part in relative.parts):
                    yield file, relative.as_posix()
        else:
            yield root, root.name
