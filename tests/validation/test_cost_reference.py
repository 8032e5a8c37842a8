"""The bundled drive units' costs against published figures (data/costs/references.yaml).

Each row is a (reference, unit) pair: our direct cost in the reference's currency, price
year and plant at the comparison volume, against the published figure's range. A unit is
inside the range unless the reference lists it as expected outside, with the reason; either
way round the test fails, so a change to the model or the data shows here.
"""

import pytest

from edrive.alliance.cost_references import compare_with_references, references

ROWS = compare_with_references()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['reference']}-{r['edu']}" for r in ROWS])
def test_unit_within_the_published_range_unless_listed_with_a_reason(row):
    if row["expected_outside"]:
        assert not row["within"], f"{row['edu']} is now inside {row['reference']}: drop the note"
    else:
        assert row["low"] <= row["ours"] <= row["high"], row


def test_every_reference_is_compared_and_most_units_are_inside():
    assert {r["reference"] for r in ROWS} == set(references().references)
    inside = sum(r["within"] for r in ROWS)
    assert inside >= 0.85 * len(ROWS)
