#!/usr/bin/env python3
"""Fill empty msgstr entries of a .po file from a {msgid or (context, msgid): msgstr} table.

Usage: bin/po_fill.py FILE.po TABLE.py — TABLE.py defines TRANSLATIONS = {...}.
Only empty translations are filled; existing ones are kept. Used when adding
a batch of msgids; translators edit the .po file directly."""

import ast
import re
import sys


def unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(ast.literal_eval(f'"{p}"') for p in parts)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_text: str, table: dict) -> tuple[str, int]:
    entries = po_text.split("\n\n")
    filled = 0
    out = []
    for entry in entries:
        m_ctx = re.search(r'^msgctxt ((?:".*"\n?)+)', entry, re.M)
        m_id = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        m_str = re.search(r'^msgstr ((?:".*"\n?)+)', entry, re.M)
        if m_id and m_str and "msgid_plural" not in entry:
            msgid = unquote(m_id.group(1))
            ctx = unquote(m_ctx.group(1)) if m_ctx else None
            current = unquote(m_str.group(1))
            value = table.get((ctx, msgid)) if ctx is not None else None
            value = value or table.get(msgid)
            if msgid and not current and value:
                entry = entry[: m_str.start()] + "msgstr " + quote(value) + entry[m_str.end() :].lstrip("\n")
                entry = entry.replace(", fuzzy", "")
                filled += 1
        out.append(entry)
    return "\n\n".join(out), filled


if __name__ == "__main__":
    po, table_file = sys.argv[1], sys.argv[2]
    from pathlib import Path

    ns: dict = {}
    exec(Path(table_file).read_text(encoding="utf-8"), ns)
    text, n = fill(Path(po).read_text(encoding="utf-8"), ns["TRANSLATIONS"])
    Path(po).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    print(f"{po}: filled {n}")
