"""18.0.1.6.0, before the module's tables are updated: the columns of what is
left to invoice are created here, so that Odoo does not compute them line by
line over years of timesheets; post-migration fills them from the ledger."""

from odoo.tools import sql


def migrate(cr, version):
    if not version:
        return
    for column, kind in (
        ("invoiced_hours", "float8"),
        ("to_invoice_hours", "float8"),
        ("to_invoice_amount", "numeric"),
    ):
        if not sql.column_exists(cr, "account_analytic_line", column):
            sql.create_column(cr, "account_analytic_line", column, kind)
