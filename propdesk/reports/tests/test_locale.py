"""STYLE "Words": the zh_Hans catalogue (one for the whole project) is complete and compiled."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[3] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_msgid_has_a_chinese_translation():
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""$(?!\n")', e, re.M)]
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")
    assert untranslated == []


def test_compiled_catalogue_is_used():
    with translation.override("zh-hans"):
        assert translation.gettext("Monthly complaint report") == "投诉调度记录月总结"
        assert translation.pgettext("timer metric", "forwarding") == "转呈"
