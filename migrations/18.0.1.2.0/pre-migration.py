"""18.0.1.2.0: the approval state and the booleans of timesheet lines are no
longer indexed on every row (partial indexes of the open lines replace them,
created by ``account.analytic.line.init()``). Odoo keeps an index a field no
longer asks for, and every transition of thousands of lines would still update
them: drop them."""

from odoo.tools.sql import drop_index

DROPPED = (
    "account_analytic_line__billing_state_index",
    "account_analytic_line__is_billable_index",
    "account_analytic_line__needs_attention_index",
    "account_analytic_line__bill_rate_frozen_index",
)


def migrate(cr, version):
    if not version:
        return
    for index in DROPPED:
        drop_index(cr, index, "account_analytic_line")
