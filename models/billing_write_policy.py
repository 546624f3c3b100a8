"""Who may write which of this addon's fields of a timesheet, in which state.

Deny by default: a field this addon adds to ``account.analytic.line`` is
written by the addon's own code (as superuser, inside its actions) unless this
table declares it writable, by whom and when. A field added later is protected
until someone declares it here. The table is printed in the README (*Access
rights*); ``tests/test_write_policy.py`` writes every field as every role in
every state and holds the result to it.
"""

from typing import NamedTuple

from .billing_states import OPEN_STATES
from .timesheet_billing_approval_mixin import APPROVER_GROUP

ADDON = "hr_timesheet_billing"

APPROVERS = (APPROVER_GROUP,)


class WriteRule(NamedTuple):
    """Members of any of ``groups`` may write the field of a line whose
    approval state is one of ``states`` (a new line is a draft)."""

    groups: tuple
    states: tuple


WRITE_POLICY = {
    # An approver's decisions on what a line bills, until it is approved.
    "billing_role_id": WriteRule(APPROVERS, OPEN_STATES),
    "exclude_from_billing": WriteRule(APPROVERS, OPEN_STATES),
    "billable_hours": WriteRule(APPROVERS, OPEN_STATES),
    "billable_hours_adjustment": WriteRule(APPROVERS, OPEN_STATES),
    "billable_hours_reason": WriteRule(APPROVERS, OPEN_STATES),
}


def addon_fields(model):
    """Names of the fields of ``model`` that this addon adds (not those of
    Odoo it may extend): found from the fields themselves, so a new one is
    covered without a list to keep."""
    upstream = {
        module
        for field in model._fields.values()
        if ADDON not in (field._modules or ())
        for module in field._modules or ()
    }
    return frozenset(
        name
        for name, field in model._fields.items()
        if ADDON in (field._modules or ()) and not upstream & set(field._modules)
    )
