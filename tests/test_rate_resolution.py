from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestRateResolution(TimesheetBillingSetupCommon):
    def assertPriced(self, line, rate, amount, currency=None):
        line = line.sudo()
        self.assertTrue(line.is_billable, line.non_billable_reason)
        self.assertEqual(line.bill_rate, rate)
        self.assertEqual(line.bill_amount, amount)
        self.assertEqual(line.bill_currency_id, currency or self.currency)

    def test_most_specific_card_wins_at_every_level(self):
        """Each more specific card takes over, in the documented order; every
        card created reprices the line (4 h logged by Ann, senior, for Acme)."""
        line = self.log(4)
        self.assertEqual(line.non_billable_reason, "no_rate")
        levels = [
            (100.0, {"role_id": self.senior.id}),
            (110.0, {"employee_id": self.ann.id}),
            (120.0, {"role_id": self.senior.id, "partner_id": self.acme.id}),
            (130.0, {"employee_id": self.ann.id, "partner_id": self.acme.id}),
            (140.0, {"role_id": self.senior.id, "project_id": self.project_acme.id}),
            (150.0, {"employee_id": self.ann.id, "project_id": self.project_acme.id}),
        ]
        for rate, scope in levels:
            card = self.rate(rate, **scope)
            # 4 h x rate, e.g. 4 x 150.00 = 600.00
            self.assertPriced(line, rate, 4 * rate)
            self.assertEqual(line.sudo().bill_rate_card_id, card)
        # Removing the winner hands the line back to the next level.
        line.sudo().bill_rate_card_id.unlink()
        self.assertPriced(line, 140.0, 560.0)

    def test_cards_of_other_scopes_do_not_apply(self):
        self.rate(90.0, role_id=self.junior.id)
        self.rate(95.0, employee_id=self.bob.id)
        self.rate(99.0, role_id=self.senior.id, partner_id=self.globex.id)
        self.rate(98.0, role_id=self.senior.id, project_id=self.project_globex.id)
        line = self.log(2)
        self.assertEqual(line.non_billable_reason, "no_rate")
        self.assertFalse(line.is_billable)
        self.assertEqual(line.sudo().bill_amount, 0.0)

    def test_role_on_the_project_overrides_the_default_role(self):
        """Ann is senior by default, consultant on Acme Support."""
        self.env["timesheet.billing.assignment"].create(
            {
                "project_id": self.project_acme_support.id,
                "employee_id": self.ann.id,
                "role_id": self.consultant.id,
            }
        )
        self.rate(100.0, role_id=self.senior.id)
        self.rate(80.0, role_id=self.consultant.id)
        on_erp = self.log(1)
        on_support = self.log(1, project=self.project_acme_support)
        self.assertEqual(on_erp.billing_role_id, self.senior)
        self.assertEqual(on_support.billing_role_id, self.consultant)
        self.assertPriced(on_support, 80.0, 80.0)
        self.assertPriced(on_erp, 100.0, 100.0)

    def test_validity_boundaries(self):
        """A rate change in the middle of the month: the first and last days
        belong to the card that declares them."""
        self.rate(
            100.0,
            role_id=self.senior.id,
            date_from=date(2026, 3, 1),
            date_to=date(2026, 3, 15),
        )
        self.rate(120.0, role_id=self.senior.id, date_from=date(2026, 3, 16))
        before = self.log(1, day=date(2026, 2, 28))
        first = self.log(1, day=date(2026, 3, 1))
        last = self.log(1, day=date(2026, 3, 15))
        next_first = self.log(1, day=date(2026, 3, 16))
        much_later = self.log(1, day=date(2026, 10, 1))
        self.assertEqual(before.non_billable_reason, "no_rate")
        self.assertPriced(first, 100.0, 100.0)
        self.assertPriced(last, 100.0, 100.0)
        self.assertPriced(next_first, 120.0, 120.0)
        self.assertPriced(much_later, 120.0, 120.0)

    def test_moving_a_line_reprices_it(self):
        self.rate(100.0, role_id=self.senior.id, date_to=date(2026, 3, 15))
        self.rate(120.0, role_id=self.senior.id, date_from=date(2026, 3, 16))
        line = self.log(2, day=date(2026, 3, 15))
        self.assertPriced(line, 100.0, 200.0)
        line.date = date(2026, 3, 16)
        self.assertPriced(line, 120.0, 240.0)
        line.unit_amount = 2.5
        self.assertPriced(line, 120.0, 300.0)

    def test_card_in_another_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.rate(
            123.45,
            employee_id=self.ann.id,
            partner_id=self.globex.id,
            currency_id=eur.id,
        )
        line = self.log(7.5, project=self.project_globex)
        # 7.5 h x 123.45 EUR = 925.875 -> 925.88 EUR (EUR rounds to the cent)
        self.assertPriced(line, 123.45, 925.88, currency=eur)

    def test_amount_rounded_to_the_currency(self):
        self.rate(99.99, role_id=self.senior.id)
        line = self.log(0.25)
        # 0.25 h x 99.99 = 24.9975 -> 25.00
        self.assertPriced(line, 99.99, 25.0)

    def test_overlapping_cards_of_one_scope_are_refused(self):
        first = self.rate(
            100.0,
            role_id=self.senior.id,
            date_from=date(2026, 1, 1),
            date_to=date(2026, 6, 30),
        )
        with self.assertRaises(ValidationError) as refused:
            self.rate(110.0, role_id=self.senior.id, date_from=date(2026, 6, 30))
        message = str(refused.exception)
        self.assertIn(first.display_name, message)
        self.assertIn("2026-06-30", message)
        self.assertIn("overlapping", message)
        # An open card overlaps everything of its scope.
        with self.assertRaises(ValidationError):
            self.rate(105.0, role_id=self.senior.id)
        # The day after, another scope, another company-wide role: all fine.
        self.rate(110.0, role_id=self.senior.id, date_from=date(2026, 7, 1))
        self.rate(120.0, role_id=self.senior.id, partner_id=self.acme.id)
        self.rate(90.0, role_id=self.junior.id)
        # Archived cards do not count.
        first.active = False
        self.rate(100.0, role_id=self.senior.id, date_to=date(2026, 6, 30))

    def test_a_card_has_one_scope(self):
        with self.assertRaises(ValidationError):
            self.rate(100.0, role_id=self.senior.id, employee_id=self.ann.id)
        with self.assertRaises(ValidationError):
            self.rate(100.0, project_id=self.project_acme.id)
        with self.assertRaises(ValidationError):
            self.rate(
                100.0,
                role_id=self.senior.id,
                project_id=self.project_acme.id,
                partner_id=self.acme.id,
            )
        with self.assertRaises(ValidationError):
            self.rate(
                100.0,
                role_id=self.senior.id,
                date_from=date(2026, 3, 2),
                date_to=date(2026, 3, 1),
            )
        with self.assertRaises(ValidationError):
            self.rate(-1.0, role_id=self.senior.id)

    def test_why_not_billable(self):
        self.rate(100.0, role_id=self.senior.id)
        self.rate(100.0, role_id=self.junior.id)
        internal_task = self.env["project.task"].create(
            {
                "name": "Rework",
                "project_id": self.project_acme.id,
                "billing_excluded": True,
            }
        )
        self.project_internal.timesheet_billing_type = "time_material"
        cases = {
            "project_type": self.log(1, project=self.project_fixed),
            "no_customer": self.log(1, project=self.project_internal),
            "task": self.log(1, task_id=internal_task.id),
            "manual": self.log(1, exclude_from_billing=True),
        }
        for reason, line in cases.items():
            self.assertFalse(line.is_billable, reason)
            self.assertEqual(line.non_billable_reason, reason)
            self.assertEqual(line.sudo().bill_amount, 0.0)
        billable = self.log(1, employee=self.bob)
        self.assertPriced(billable, 100.0, 100.0)
        # Changing the project's terms re-qualifies its lines.
        self.project_fixed.timesheet_billing_type = "time_material"
        self.assertPriced(cases["project_type"], 100.0, 100.0)

    def test_missing_rate_is_flagged_until_a_card_exists(self):
        line = self.log(3)
        self.assertFalse(line.is_billable)
        self.assertEqual(line.non_billable_reason, "no_rate")
        missing = self.env["account.analytic.line"].search(
            [("non_billable_reason", "=", "no_rate"), ("id", "=", line.id)]
        )
        self.assertEqual(missing, line)
        self.rate(100.0, employee_id=self.ann.id, date_from=date(2026, 3, 1))
        self.assertPriced(line, 100.0, 300.0)

    def test_frozen_rate_survives_rate_changes(self):
        card = self.rate(100.0, role_id=self.senior.id)
        approved, draft = self.log(2), self.log(2)
        approved._freeze_bill_rate()
        card.hourly_rate = 200.0
        self.assertPriced(approved, 100.0, 200.0)
        self.assertPriced(draft, 200.0, 400.0)
        self.rate(300.0, employee_id=self.ann.id, project_id=self.project_acme.id)
        self.assertPriced(approved, 100.0, 200.0)
        self.assertPriced(draft, 300.0, 600.0)
        # Hours adjusted after approval are billed at the frozen rate.
        approved.with_user(self.approver).write(
            {"billable_hours": 1.5, "billable_hours_reason": "Agreed discount"}
        )
        self.assertPriced(approved, 100.0, 150.0)
        self.assertEqual(approved.unit_amount, 2.0)
        approved._unfreeze_bill_rate()
        self.assertPriced(approved, 300.0, 450.0)

    def test_a_card_that_priced_approved_time_is_archived_not_deleted(self):
        card = self.rate(100.0, role_id=self.senior.id)
        approved = self.log(2)
        approved._freeze_bill_rate()
        with self.assertRaisesRegex(UserError, r"archive them.*\(1 timesheets\)"):
            card.unlink()
        card.active = False
        self.assertEqual(approved.sudo().bill_rate_card_id, card)
        self.assertPriced(approved, 100.0, 200.0)
        approved._unfreeze_bill_rate()
        card.unlink()  # nothing approved uses it any more
        self.assertEqual(approved.sudo().non_billable_reason, "no_rate")

    def test_billable_hours_adjustment(self):
        self.rate(100.0, role_id=self.senior.id)
        line = self.log(4)
        self.assertEqual(line.billable_hours, 4.0)
        line.with_user(self.approver).write(
            {"billable_hours": 3.0, "billable_hours_reason": "Learning time"}
        )
        self.assertEqual(line.unit_amount, 4.0)
        self.assertEqual(line.billable_hours_adjustment, -1.0)
        self.assertPriced(line, 100.0, 300.0)
        # The hours worked change; the adjustment stays.
        line.unit_amount = 5.0
        self.assertEqual(line.billable_hours, 4.0)
        with self.assertRaises(ValidationError) as refused:
            line.with_user(self.approver).write(
                {"billable_hours": 6.0, "billable_hours_reason": False}
            )
        self.assertIn("Ann Example", str(refused.exception))
        with self.assertRaises(ValidationError):
            line.with_user(self.approver).write(
                {"billable_hours": -1.0, "billable_hours_reason": "Oops"}
            )

    def test_cost_comes_from_the_employee_hourly_cost(self):
        """Odoo's own cost of the line (hr_hourly_cost) sits beside the billed
        amount, so that the margin is billed - cost."""
        self.rate(100.0, role_id=self.senior.id)
        line = self.log(4).sudo()
        # cost 4 h x 40.00 = 160.00 (hr_timesheet stores it negative),
        # billed 4 h x 100.00 = 400.00, margin 240.00
        self.assertEqual(line.amount, -160.0)
        self.assertEqual(line.bill_amount + line.amount, 240.0)

    def test_lines_without_project_are_not_timesheets(self):
        plan = self.env["account.analytic.plan"].create({"name": "Plan"})
        account = self.env["account.analytic.account"].create(
            {"name": "Other", "plan_id": plan.id}
        )
        line = self.env["account.analytic.line"].create(
            {"name": "Other", "account_id": account.id, "unit_amount": 3}
        )
        self.assertFalse(line.is_billable)
        self.assertEqual(line.billable_hours, 0.0)
        self.assertFalse(line.billing_role_id)
