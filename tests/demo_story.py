"""The demo database tells its story (README, "Play every role"): checked by
``./dev test`` on the database it installs with demo data. Not a test module
of the addon: the tests never rely on demo data."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase


class TestDemoStory(TransactionCase):
    def test_every_stage_of_the_flow(self):
        ref = self.env.ref
        marc = ref("hr.employee_qdp")
        lines = self.env["account.analytic.line"].search(
            [
                ("employee_id", "=", marc.id),
                (
                    "project_id",
                    "in",
                    [
                        ref("hr_timesheet_billing.project_northwind_erp").id,
                        ref("hr_timesheet_billing.project_bergmann_maintenance").id,
                    ],
                ),
            ]
        )
        self.assertEqual(
            set(lines.mapped("billing_state")),
            {"draft", "submitted", "lead_approved", "approved", "invoiced"},
        )
        rejected = lines.filtered("rejection_reason")
        self.assertEqual(len(rejected), 1)
        self.assertEqual(rejected.billing_state, "draft")

        invoices = lines.invoice_id
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        northwind = invoices.filtered(
            lambda invoice: (
                invoice.partner_id == ref("hr_timesheet_billing.partner_northwind")
            )
        )
        bergmann = invoices - northwind
        self.assertEqual(northwind.payment_state, "paid")
        self.assertEqual(bergmann.payment_state, "not_paid")
        # abroad: the fiscal position's reverse-charge tax, no sales tax
        self.assertEqual(bergmann.amount_total, bergmann.amount_untaxed)
        self.assertGreater(northwind.amount_total, northwind.amount_untaxed)
        self.assertTrue(self.env.company.timesheet_invoice_annex)
        # the accrual of unbilled work runs: approved time not invoiced yet
        today = fields.Date.context_today(self.env.user)
        accrual = self.env["timesheet.billing.accrual"].create({"date": today})
        self.assertGreater(accrual.amount, 0.0)
        accrual.action_create_accrual()

        package = ref("hr_timesheet_billing.contract_bergmann_package")
        self.assertGreaterEqual(package.consumed_hours_percent, 85.0)
        self.assertLess(package.consumed_hours_percent, 100.0)

        last_monday = today - timedelta(days=today.weekday() + 7)
        reminder = self.env["timesheet.billing.reminder"].search(
            [
                ("kind", "=", "missing_hours"),
                ("employee_id", "=", marc.id),
                ("date_from", "=", last_monday),
            ]
        )
        self.assertEqual(len(reminder), 1)
        # Marc can submit this week (README): nothing in it breaks a rule
        self.assertTrue(
            self.env["account.analytic.line"]
            .with_user(marc.user_id)
            .action_submit_my_week(today)
        )
        self.assertIn(
            ref("hr_timesheet_billing.user_demo_lead"),
            ref("hr_timesheet_billing.project_northwind_erp").user_id,
        )
