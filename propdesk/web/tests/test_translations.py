"""Issue 7 item 10 and issue 8 item 11: one catalogue per language for the
whole project, kept complete and compiled, where a message id means one thing
and a translation says one thing.

(a) The same message id (in the same context) must have the same translation
    in every catalogue of the project.
(b) Two message ids of different meaning must not share a translation in the
    same context: "work reported done" once read 联系电话, like "reporter
    phone". Ids equal but for capitals and a final full stop are the same
    words; true synonyms are listed in SYNONYMS, each with why.
Catalogues are compiled with msgfmt here, the way compilemessages does, and
compared with the committed .mo files."""

import gettext
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from propdesk.common.history import labels

BASE = Path(settings.BASE_DIR)
LANGUAGE = "zh_Hans"
RULE_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}-\d{1,3}(?![0-9])")

# Translation → the ids that share it on purpose (true synonyms), and why.
SYNONYMS = {
    "内容": {"description", "Description", "Content"},  # the text of a request, under three headings
    "原因": {"Reason", "Cause"},  # the reason for a hold and the cause of a stoppage are both 原因
    "员工": {"staff", "staff member"},  # the rank and the person
    "周次": {"ISO week", "Week"},  # the review week, named two ways
    "工单": {"ticket", "Ticket", "Tickets", "tickets"},  # Chinese has no plural
    "已超时": {"overdue", "breached"},  # a time limit past due
    "超时": {"Breached", "time limit breached", "OVERDUE"},  # the same, as a heading and a flag
    "房号": {"unit code", "Unit code", "Unit"},  # staff name a unit by its code
    "执行人": {"Assignee", "assigned to"},
    "投诉等级": {"Class", "Complaint class", "complaint class"},  # "Class" heads the complaint-class column
    "操作": {"Action", "Actions"},
    "暂无记录。": {"Nothing here.", "Nothing recorded yet."},  # an empty list
    "本项目没有这个房号。": {"No such unit in this project.", "No unit with this code in this project."},
    "状态": {"state", "State", "status", "Status"},  # of a unit, a timer, a ticket: all 状态
    "编号": {"Number", "number", "No."},
    "记录回访": {"Record the follow-up visit", "Record the visit"},
}


def _catalogues() -> list[Path]:
    """Every .po of the language in the project: the one under LOCALE_PATHS,
    and any an app might add back under its own locale/."""
    found = {Path(p) / LANGUAGE / "LC_MESSAGES" / "django.po" for p in settings.LOCALE_PATHS}
    found |= set((BASE / "propdesk").glob(f"*/locale/{LANGUAGE}/LC_MESSAGES/django.po"))
    return sorted(p for p in found if p.exists())


def _compile(po: Path, tmp_path: Path) -> dict:
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt (GNU gettext) is missing: it is needed to compile the catalogues")
    out = tmp_path / (po.parent.parent.parent.parent.name + ".mo")
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(po)], check=True)
    with out.open("rb") as f:
        return _entries(gettext.GNUTranslations(f))


def _entries(tr: gettext.GNUTranslations) -> dict:
    """(context, msgid) → translation (plural forms joined), without the header."""
    out = {}
    for key, value in tr._catalog.items():
        msgid, form = (key, None) if isinstance(key, str) else key
        if msgid == "":
            continue
        context, _sep, bare = msgid.rpartition("\x04")
        entry = (context or None, bare)
        out[entry] = value if form is None else " | ".join(filter(None, [out.get(entry), value]))
    return out


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mo")
    return {po: _compile(po, tmp) for po in _catalogues()}


def test_one_catalogue_for_the_whole_project(catalogues):
    assert [p.relative_to(BASE) for p in catalogues] == [Path("locale/zh_Hans/LC_MESSAGES/django.po")]


def test_a_message_id_has_one_translation_in_every_catalogue(catalogues):
    seen = defaultdict(dict)
    for po, entries in catalogues.items():
        for key, text in entries.items():
            seen[key][po.relative_to(BASE)] = text
    conflicts = {key: where for key, where in seen.items() if len(set(where.values())) > 1}
    assert conflicts == {}


def test_different_message_ids_do_not_share_a_translation(catalogues):
    for entries in catalogues.values():
        shared = defaultdict(set)
        for (context, msgid), text in entries.items():
            shared[(context, text)].add(msgid)
        clashes = []
        for (context, text), ids in shared.items():
            words = {i.casefold().rstrip(".") for i in ids}
            synonyms = {i.casefold().rstrip(".") for i in SYNONYMS.get(text, ())}
            if len(words) > 1 and not (context is None and words <= synonyms):
                clashes.append((context, text, sorted(ids)))
        assert clashes == []


def test_the_catalogue_is_complete_and_its_compiled_form_committed(catalogues):
    for po, entries in catalogues.items():
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text.split("\n\n", 1)[1], po
        entries_text = text.split("\n\n")[1:]
        empty = [e for e in entries_text if re.search(r'^msgstr(\[\d+\])? ""$(?!\n")', e, re.M)]
        assert empty == [], po
        with po.with_suffix(".mo").open("rb") as f:
            assert _entries(gettext.GNUTranslations(f)) == entries, f"{po.with_suffix('.mo')} is out of date"


def test_no_rule_id_in_what_users_read(catalogues):
    for entries in catalogues.values():
        with_ids = [(k, v) for k, v in entries.items() if RULE_ID.search(v)]
        assert with_ids == []


def test_every_event_of_the_ticket_timeline_reads_right_in_chinese():
    codes = [c for c in labels.codes() if c.startswith("ticket.")]
    with translation.override("zh-hans"):
        shown = {code: labels.label(code) for code in codes}
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in shown.values()), shown  # translated
    assert len(set(shown.values())) == len(shown), shown  # no two events read alike
    assert shown["ticket.completed"] == "已报完工"  # once 联系电话
    assert shown["ticket.visited"] == "已回访" and shown["ticket.dispatched"] == "已派工"
    assert "电话" not in "".join(shown.values())
