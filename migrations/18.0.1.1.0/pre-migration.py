"""18.0.1.1.0: ``project.project.billing_type`` becomes ``timesheet_billing_type``;
``account.analytic.line.invoice_payment_state`` is no longer stored.

``billing_type`` is also Odoo's own field of sale_timesheet (other values, other
meaning), so the two addons could not share a database. The column, the field's
record (its tracking history hangs on it) and our XML ids are renamed, before
Odoo loads the new field and would create an empty column instead.
"""

OURS = ("time_material", "fixed_price", "non_billable")


def migrate(cr, version):
    if not version:
        return
    # No longer stored: posting or paying an invoice rewrote all its timesheets.
    cr.execute(
        "ALTER TABLE account_analytic_line DROP COLUMN IF EXISTS invoice_payment_state"
    )
    if _column_exists(cr, "timesheet_billing_type") or not _column_exists(
        cr, "billing_type"
    ):
        return
    if _sale_timesheet_present(cr):
        _split_shared_column(cr)
    else:
        _rename_field(cr)


def _column_exists(cr, column, table="project_project"):
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = %s AND column_name = %s
        """,
        [table, column],
    )
    return bool(cr.fetchone())


def _sale_timesheet_present(cr):
    cr.execute(
        """
        SELECT 1 FROM ir_module_module
         WHERE name = 'sale_timesheet'
           AND state IN ('installed', 'to upgrade', 'to remove')
        """
    )
    return bool(cr.fetchone())


def _rename_field(cr):
    cr.execute(
        "ALTER TABLE project_project"
        " RENAME COLUMN billing_type TO timesheet_billing_type"
    )
    cr.execute(
        """
        UPDATE ir_model_fields SET name = 'timesheet_billing_type'
         WHERE model = 'project.project' AND name = 'billing_type'
        """
    )
    cr.execute(
        """
        UPDATE ir_model_data
           SET name = replace(name, '__billing_type', '__timesheet_billing_type')
         WHERE module = 'hr_timesheet_billing'
           AND model IN ('ir.model.fields', 'ir.model.fields.selection')
           AND name LIKE %s
        """,
        [r"%project\_project\_\_billing\_type%"],
    )


def _split_shared_column(cr):
    """Both addons wrote the one ``billing_type`` column: our values move to
    the new column, sale_timesheet's default takes their place."""
    cr.execute("ALTER TABLE project_project ADD COLUMN timesheet_billing_type varchar")
    cr.execute(
        """
        UPDATE project_project
           SET timesheet_billing_type = billing_type,
               billing_type = 'not_billable'
         WHERE billing_type IN %s
        """,
        [OURS],
    )
    cr.execute(
        """
        UPDATE project_project SET timesheet_billing_type = 'non_billable'
         WHERE timesheet_billing_type IS NULL
        """
    )
