"""Output shaping in-process: JMESPath and line operations; no program, no file, no environment."""

from __future__ import annotations

import pytest

from app.tools.shaping import Shape, ShapingError

TEXT = "NAME   STATUS\nweb-1  Running\nweb-2  CrashLoopBackOff\ndb-0   Running\ndb-0   Running"


def test_line_operations() -> None:
    assert Shape(grep="running").apply_lines(TEXT).splitlines() == ["web-1  Running", "db-0   Running",
                                                                    "db-0   Running"]
    assert Shape(grep="Running", grep_invert=True).apply_lines(TEXT).splitlines() == [
        "NAME   STATUS", "web-2  CrashLoopBackOff"]
    assert Shape(uniq=True, count=True).apply_lines(TEXT) == "4"
    assert Shape(sort=True, head=1).apply_lines(TEXT) == "NAME   STATUS"
    assert Shape(tail=1).apply_lines(TEXT) == "db-0   Running"


def test_jmespath_over_json() -> None:
    doc = {"items": [{"metadata": {"name": "a"}, "status": {"phase": "Running"}},
                     {"metadata": {"name": "b"}, "status": {"phase": "Pending"}}]}
    out = Shape(filter="items[?status.phase!='Running'].metadata.name").apply_json(doc)
    assert '"b"' in out and '"a"' not in out


@pytest.mark.parametrize("expression", ["$ENV", "import \"x\" as $s; .", "$__loc__", "[.items[]"])
def test_jq_escapes_are_not_jmespath(expression: str) -> None:
    with pytest.raises(ShapingError):
        Shape(filter=expression).compile()


@pytest.mark.parametrize("expression", ["env", "input_filename", "ENV.HOME"])
def test_jq_words_are_only_field_names_of_the_document(expression: str) -> None:
    assert Shape(filter=expression).apply_json({"items": []}) == "null"


def test_a_catastrophic_regex_is_stopped() -> None:
    shape = Shape(grep="(a|aa)+$")
    shape.compile()
    with pytest.raises(ShapingError, match="too long"):
        shape.apply_lines("a" * 60 + "b")
