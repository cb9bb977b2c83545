"""choice_label: a stored value's label, as get_FOO_display gives it."""

from django.utils import translation

from agreements.models import Kpi, Owner
from agreements.models.choices import choice_label


def test_a_choice_has_its_label_in_the_active_language() -> None:
    kpi = Kpi(owner=Owner.SALES, direction=Kpi.Direction.AT_MOST)
    assert choice_label(Owner, kpi.owner) == kpi.get_owner_display() == "Sales"
    assert choice_label(Kpi.Direction, kpi.direction) == kpi.get_direction_display()
    with translation.override("de"):
        assert choice_label(Owner, "sales") == str(kpi.get_owner_display())


def test_a_value_that_is_no_choice_is_shown_as_stored() -> None:
    """A value an older version stored, or a hand edit, shows as it is and breaks nothing."""
    kpi = Kpi(owner="finance")
    assert choice_label(Owner, "finance") == kpi.get_owner_display() == "finance"
