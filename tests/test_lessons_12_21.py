"""Lessons 12-21 (the course's "structuring ML projects" and beyond): flipping a lesson's decisive
setting must make one of its checks fail, so the checks really test the lesson's claim.

tests/test_lessons.py already runs every lesson unchanged and requires all checks to pass; here each
case edits one line of the lesson text (as a learner would), runs it with the lesson runner and
asserts that the lesson still runs to the end but at least one check now fails, and which one.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from minigrad import lessons as L


def run_edited(number: int, old: str, new: str, out: Path) -> L.LessonReport:
    """Run lesson ``number`` with the text ``old`` replaced by ``new`` (which must occur exactly once)."""
    path = L.find_lesson(number)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"lesson {number} should contain {old!r} exactly once: update this test"
    return L.run_lesson(L.parse_lesson(text.replace(old, new), path=path), out, capture=True)


def failed_messages(report: L.LessonReport) -> str:
    return "\n".join(r.message for r in report.failed_checks)


FLIPS = [
    # (lesson, decisive text as written, flipped text, a phrase of the check message that must now fail)
    pytest.param(14, "X_dev, y_dev = phone.X[2000:2500], phone.y[2000:2500]",
                 "X_dev, y_dev = web.X[2000:2500], web.y[2000:2500]",
                 "same-distribution dev set should pick", id="14-team-2-dev-set-from-the-web"),
    pytest.param(17, "EVAL = (X_test, y_test)", "EVAL = (X_small, y_small)",
                 "would beat the Bayes error", id="17-evaluated-on-its-own-training-data"),
    pytest.param(17, "HUMAN_LEVEL = 0.10", "HUMAN_LEVEL = 0.0",
                 "should have nothing left to fix", id="17-gaps-measured-from-zero"),
    pytest.param(16, "DEV_FRACTION = 0.01 ", "DEV_FRACTION = 0.001 ",
                 "not enough", id="16-dev-set-of-0.1-percent"),
    pytest.param(15, "synthetic = data.synthesize_phone(web.X, seed=1)", "synthetic = web.X",
                 "synthesis should at least halve", id="15-no-synthesis"),
    pytest.param(21, "D, TILT = 8, 2.0", "D, TILT = 8, 0.0",
                 "end-to-end should match or beat", id="21-hand-feature-loses-nothing"),
    pytest.param(12, "LAMBDA = 1.8", "LAMBDA = 0.0",
                 "L2 should close the dev gap", id="12-no-regularization"),
    pytest.param(13, "MAX_PARAMS = 500", "MAX_PARAMS = 100_000",
                 "the size limit should rule some models out", id="13-limit-that-never-binds"),
    pytest.param(18, "first = analysis.best()", "first = analysis.rows[-1]",
                 "the highest ceiling should give clearly the largest gain", id="18-work-on-the-lowest-ceiling"),
    pytest.param(19, 'for name, features in (("B", U), ("C", V)):', 'for name, features in (("B", U), ("C", U)):',
                 "transfer should not help an unrelated task", id="19-task-C-shares-the-features"),
    pytest.param(20, "multi_acc, separate_acc, n_labels = compare(shared)",
                 "multi_acc, separate_acc, n_labels = compare(unrelated)",
                 "multi-task learning should clearly win", id="20-tasks-share-nothing"),
]


@pytest.mark.slow
@pytest.mark.parametrize("number, old, new, expected", FLIPS)
def test_flipping_the_decisive_setting_fails_the_check(number, old, new, expected, tmp_path):
    report = run_edited(number, old, new, tmp_path)
    assert report.error is None, report.error.describe() + "\n" + report.error.traceback
    assert report.failed_checks, f"lesson {number} still passes with {new!r}: its check cannot fail"
    assert expected in failed_messages(report), failed_messages(report)
