"""Upgrades: from 18.0.1.0.0 (``billing_type`` renamed
``timesheet_billing_type``), from 18.0.1.1.0 (indexes), from 18.0.1.5.0 (the
billing ledger).

Each test puts the database back as the former version left it (in the test's
transaction, rolled back after it) and runs the migration script on it.
"""

import importlib.util
from datetime import date
from pathlib import Path

from odoo.tools import sql

from .common import TimesheetBillingSetupCommon
from .invoicing_common import InvoicingCommon

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _load_migration(version="18.0.1.1.0", stage="pre"):
    spec = importlib.util.spec_from_file_location(
        f"htb_{stage}_migration_{version.replace('.', '_')}",
        MIGRATIONS / version / f"{stage}-migration.py",
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


class TestUpgradeFrom18010(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migrate = staticmethod(_load_migration())

    def setUp(self):
        super().setUp()
        self.field_id = (
            self.env["ir.model.fields"]
            ._get("project.project", "timesheet_billing_type")
            .id
        )
        self.env.flush_all()

    def _as_in_18_0_1_0_0(self):
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE account_analytic_line ADD COLUMN invoice_payment_state varchar"
        )
        cr.execute(
            "ALTER TABLE project_project"
            " RENAME COLUMN timesheet_billing_type TO billing_type"
        )
        cr.execute(
            "UPDATE ir_model_fields SET name = 'billing_type' WHERE id = %s",
            [self.field_id],
        )
        cr.execute(
            """
            UPDATE ir_model_data
               SET name = replace(name, '__timesheet_billing_type', '__billing_type')
             WHERE module = 'hr_timesheet_billing'
               AND name LIKE '%%timesheet\\_billing\\_type%%'
            """
        )

    def _column_values(self, column):
        self.env.cr.execute(
            f"SELECT id, {column} FROM project_project WHERE id IN %s",
            [(self.project_fixed.id, self.project_internal.id, self.project_acme.id)],
        )
        return dict(self.env.cr.fetchall())

    def _columns(self):
        self.env.cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'project_project' AND column_name LIKE '%billing_type'
            """
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def test_the_field_is_renamed_with_its_values_and_history(self):
        self._as_in_18_0_1_0_0()
        self.migrate(self.env.cr, "18.0.1.0.0")
        self.assertEqual(self._columns(), {"timesheet_billing_type"})
        self.env.cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE column_name ="
            " 'invoice_payment_state' AND table_name = 'account_analytic_line'"
        )
        self.assertFalse(self.env.cr.fetchone())
        self.assertEqual(
            self._column_values("timesheet_billing_type"),
            {
                self.project_fixed.id: "fixed_price",
                self.project_internal.id: "non_billable",
                self.project_acme.id: "time_material",
            },
        )
        # The same ir.model.fields record: tracked changes keep their field.
        self.assertEqual(
            self.env.ref(
                "hr_timesheet_billing.field_project_project__timesheet_billing_type"
            ).id,
            self.field_id,
        )
        selection = self.env.ref(
            "hr_timesheet_billing.selection__project_project__timesheet_billing_type"
            "__fixed_price"
        )
        self.assertEqual(selection.field_id.id, self.field_id)
        self.env.cr.execute(
            "SELECT name FROM ir_model_fields WHERE id = %s", [self.field_id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], "timesheet_billing_type")

    def test_a_column_shared_with_sale_timesheet_is_split(self):
        """A database where both addons had written the one column."""
        self._as_in_18_0_1_0_0()
        self.env.cr.execute(
            "UPDATE ir_module_module SET state = 'installed'"
            " WHERE name = 'sale_timesheet'"
        )
        self.env.cr.execute(
            "UPDATE project_project SET billing_type = 'manually' WHERE id = %s",
            [self.project_acme.id],
        )
        self.migrate(self.env.cr, "18.0.1.0.0")
        self.assertEqual(self._columns(), {"billing_type", "timesheet_billing_type"})
        self.assertEqual(
            self._column_values("timesheet_billing_type"),
            {
                self.project_fixed.id: "fixed_price",
                self.project_internal.id: "non_billable",
                # sale_timesheet's value was never ours: the default takes it.
                self.project_acme.id: "non_billable",
            },
        )
        self.assertEqual(
            self._column_values("billing_type"),
            {
                self.project_fixed.id: "not_billable",
                self.project_internal.id: "not_billable",
                self.project_acme.id: "manually",
            },
        )

    def test_nothing_to_do_on_install_or_twice(self):
        before = self._column_values("timesheet_billing_type")
        self.migrate(self.env.cr, None)
        self.migrate(self.env.cr, "18.0.1.0.0")
        self.assertEqual(self._columns(), {"timesheet_billing_type"})
        self.assertEqual(self._column_values("timesheet_billing_type"), before)


class TestUpgradeFrom18011(TimesheetBillingSetupCommon):
    """18.0.1.2.0: indexes on every row of the state and the booleans are
    dropped; the partial indexes of open lines replace them."""

    def _indexes(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'account_analytic_line'"
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def test_full_indexes_dropped_partial_ones_kept(self):
        migrate = _load_migration("18.0.1.2.0")
        for column in ("billing_state", "is_billable", "bill_rate_frozen"):
            self.env.cr.execute(
                f"CREATE INDEX account_analytic_line__{column}_index"
                f" ON account_analytic_line ({column})"
            )
        migrate(self.env.cr, "18.0.1.1.0")
        indexes = self._indexes()
        self.assertFalse(
            {
                "account_analytic_line__billing_state_index",
                "account_analytic_line__is_billable_index",
                "account_analytic_line__bill_rate_frozen_index",
            }
            & indexes
        )
        self.assertLessEqual(
            {
                "account_analytic_line_billing_open_index",
                "account_analytic_line_needs_attention_index",
            },
            indexes,
        )
        migrate(self.env.cr, "18.0.1.1.0")  # twice: nothing left to drop

    def test_frozen_copies_put_back_then_dropped(self):
        migrate = _load_migration("18.0.1.2.0")
        line = self.env["account.analytic.line"].create(
            {
                "name": "Approved in 18.0.1.1.0",
                "project_id": self.project_acme.id,
                "employee_id": self.ann.id,
                "unit_amount": 2.0,
            }
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            ALTER TABLE account_analytic_line
              ADD COLUMN frozen_bill_rate float8,
              ADD COLUMN frozen_bill_currency_id int4 REFERENCES res_currency,
              ADD COLUMN frozen_bill_rate_card_id int4
            """
        )
        cr.execute(
            """
            UPDATE account_analytic_line
               SET bill_rate_frozen = TRUE, frozen_bill_rate = 90.0,
                   frozen_bill_currency_id = %s
             WHERE id = %s
            """,
            [self.env.company.currency_id.id, line.id],
        )
        migrate(cr, "18.0.1.1.0")
        cr.execute(
            "SELECT bill_rate, bill_currency_id FROM account_analytic_line"
            " WHERE id = %s",
            [line.id],
        )
        self.assertEqual(cr.fetchone(), (90.0, self.env.company.currency_id.id))
        cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'account_analytic_line'"
            " AND column_name LIKE 'frozen%%'"
        )
        self.assertFalse(cr.fetchall())
        migrate(cr, "18.0.1.1.0")  # twice: nothing left to do

    def test_log_lines_moved_from_the_relation_table(self):
        migrate = _load_migration("18.0.1.2.0", stage="post")
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Logged in 18.0.1.1.0 {index}",
                    "project_id": self.project_acme.id,
                    "employee_id": self.ann.id,
                    "unit_amount": 1.0,
                }
                for index in range(3)
            ]
        )
        lines.with_user(self.timesheet_user).action_submit()
        log = lines.approval_log_ids
        self.assertEqual(log.line_id_list, lines.ids)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            CREATE TABLE timesheet_billing_approval_log_line_rel
                   (log_id int NOT NULL, line_id int NOT NULL)
            """
        )
        cr.execute(
            "INSERT INTO timesheet_billing_approval_log_line_rel"
            " SELECT %s, unnest(%s::int[])",
            [log.id, lines.ids[:2]],
        )
        cr.execute(
            "UPDATE timesheet_billing_approval_log SET line_id_list = NULL"
            " WHERE id = %s",
            [log.id],
        )
        migrate(cr, "18.0.1.1.0")
        log.invalidate_recordset()
        self.assertEqual(log.line_id_list, lines.ids[:2])
        self.assertFalse(
            sql.table_exists(cr, "timesheet_billing_approval_log_line_rel")
        )
        migrate(cr, "18.0.1.1.0")  # twice: nothing left to do


class TestUpgradeFrom18050(InvoicingCommon):
    """18.0.1.6.0: the billing ledger is written from the invoice lines the
    timesheets were linked to; what they billed and what is left to invoice
    are the same before and after.

    Built with today's code, then put back as 18.0.1.5.0 left it: no ledger,
    no columns of hours billed or to invoice, and the timesheets a credit note
    released unlinked from their invoice line."""

    def _billing(self, lines):
        lines.invalidate_recordset()
        return [
            (
                line.billing_state,
                line.invoiced_hours,
                line.to_invoice_hours,
                line.sudo().to_invoice_amount,
                line.invoice_line_id,
            )
            for line in lines
        ]

    def test_invoiced_credited_and_released_lines_keep_their_totals(self):
        # Invoiced: Ann 4 h (400.00), 2 h (240.00), Bob 5 h (400.00), posted.
        invoiced = self.standard_month()
        self.invoice().action_post()
        # Released by a full credit note: Bob 3 h on 24 March (240.00).
        released = self.approved((self.bob, date(2026, 3, 24), 3.0))
        second = self.invoice()
        second.action_post()
        self._credit_note(second).action_post()
        # Approved, never invoiced: Ann 1 h on 25 March (120.00).
        waiting = self.approved((self.ann, date(2026, 3, 25), 1.0))
        lines = invoiced | released | waiting
        before = self._billing(lines)
        self.assertEqual(
            [row[:4] for row in before],
            [
                ("invoiced", 4.0, 0.0, 0.0),
                ("invoiced", 2.0, 0.0, 0.0),
                ("invoiced", 5.0, 0.0, 0.0),
                ("approved", 0.0, 3.0, 240.0),
                ("approved", 0.0, 1.0, 120.0),
            ],
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("DELETE FROM timesheet_billing_entry")
        cr.execute(
            "UPDATE account_analytic_line SET invoice_line_id = NULL WHERE id = %s",
            [released.id],
        )
        cr.execute(
            # the Timesheets report's view reads them: dropped with them
            "ALTER TABLE account_analytic_line DROP COLUMN invoiced_hours CASCADE,"
            " DROP COLUMN to_invoice_hours CASCADE,"
            " DROP COLUMN to_invoice_amount CASCADE"
        )
        _load_migration("18.0.1.6.0", "pre")(cr, "18.0.1.5.0")
        _load_migration("18.0.1.6.0", "post")(cr, "18.0.1.5.0")
        self.env.invalidate_all()
        after = self._billing(lines)
        self.assertEqual([row[:4] for row in after], [row[:4] for row in before])
        self.assertEqual(after[0][4], before[0][4])
        entries = self.env["timesheet.billing.entry"].search([])
        self.assertEqual(entries.timesheet_id, invoiced)
        self.assertEqual(
            [
                entries.filtered(lambda e, line=line: e.timesheet_id == line).hours
                for line in invoiced
            ],
            [4.0, 2.0, 5.0],
        )
        self.assertEqual(sorted(entries.mapped("amount")), [240.0, 400.0, 400.0])
        # What the next run invoices: the released and the waiting lines.
        self.assertAlmostEqual(self.invoice().amount_untaxed, 360.0)
        # Twice: nothing more.
        _load_migration("18.0.1.6.0", "post")(cr, "18.0.1.5.0")
        self.assertEqual(self.env["timesheet.billing.entry"].search_count([]), 5)
