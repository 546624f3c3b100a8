"""18.0.1.2.0, for the speed of approving a firm's month at once:

- the approval state and the booleans of timesheet lines are no longer indexed
  on every row (partial indexes of the open lines replace them, created by
  ``account.analytic.line.init()``). Odoo keeps an index a field no longer asks
  for, and every transition of thousands of lines would still update them:
  drop them;
- a frozen rate is the line's own pricing, kept as it is: the copies in
  ``frozen_bill_rate``, ``frozen_bill_currency_id`` and
  ``frozen_bill_rate_card_id`` go, after being put back on the pricing columns
  (they were equal, as the frozen line was priced from them).
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, drop_index

DROPPED_INDEXES = (
    "account_analytic_line__billing_state_index",
    "account_analytic_line__is_billable_index",
    "account_analytic_line__needs_attention_index",
    "account_analytic_line__bill_rate_frozen_index",
)
FROZEN_COPIES = {
    "frozen_bill_rate": "bill_rate",
    "frozen_bill_currency_id": "bill_currency_id",
    "frozen_bill_rate_card_id": "bill_rate_card_id",
}


def migrate(cr, version):
    if not version:
        return
    for index in DROPPED_INDEXES:
        drop_index(cr, index, "account_analytic_line")
    if column_exists(cr, "account_analytic_line", "frozen_bill_rate"):
        cr.execute(
            """
            UPDATE account_analytic_line
               SET bill_rate = frozen_bill_rate,
                   bill_currency_id = frozen_bill_currency_id,
                   bill_rate_card_id = frozen_bill_rate_card_id
             WHERE bill_rate_frozen
            """
        )
        for column in FROZEN_COPIES:
            cr.execute(
                SQL(
                    "ALTER TABLE account_analytic_line DROP COLUMN %s",
                    SQL.identifier(column),
                )
            )
