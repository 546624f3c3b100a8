"""The translations in i18n/ are complete for the current template, and keep
each term's placeholders and markup."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[3] / "i18n"
TEMPLATE = I18N / "hr_timesheet_billing.pot"
# %(name)s, %s, {{ expression }}, tags and escaped newlines must survive
MARKERS = re.compile(r"%\(\w+\)\w|%s|\{\{[^}]*\}\}|<[^>]+>|\\n")
# A term the language writes as the source ("Total") has an empty msgstr (OCA's
# po-pretty-format clears it; Odoo shows the source) and this comment.
SAME = "same as the source"


def terms(path):
    with path.open("rb") as po:
        return {message.id: message for message in read_po(po) if message.id}


@pytest.mark.parametrize("po", sorted(I18N.glob("*.po")), ids=lambda path: path.name)
def test_translation_is_complete(po):
    template = terms(TEMPLATE)
    translated = terms(po)
    assert set(translated) == set(template), "run ./dev pot to merge the template"
    untranslated = [
        msgid
        for msgid, message in translated.items()
        if not message.string and SAME not in message.user_comments
    ]
    assert not untranslated, f"translate them, or comment '# {SAME}'"
    assert not [msgid for msgid, message in translated.items() if message.fuzzy]
    broken = {
        msgid: message.string
        for msgid, message in translated.items()
        if message.string
        and sorted(MARKERS.findall(msgid)) != sorted(MARKERS.findall(message.string))
    }
    assert not broken


def test_french_is_there():
    assert (I18N / "fr.po").is_file()
