"""The approval states of a timesheet, in the groups the code speaks of."""

DRAFT_STATES = ("draft",)
# waiting for an approver: the lead's stage, then Finance's
PENDING_STATES = ("submitted", "lead_approved")
# still changing: hours, date, project and task may be changed (by an
# approver once submitted), and the approvers' billing fields too
OPEN_STATES = DRAFT_STATES + PENDING_STATES
# approved: locked, and billed by the ledger (invoiced when all its hours are)
LOCKED_STATES = ("approved", "invoiced")
# worth money not billed yet: pending, or approved and not invoiced
UNBILLED_STATES = PENDING_STATES + ("approved",)
# the lines a budget's re-evaluation may change (their billable hours)
BUDGET_OPEN_STATES = ("draft", "submitted")
