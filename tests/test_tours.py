from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import set_up_flow

MY_TIMESHEETS = "/odoo/action-hr_timesheet.act_hr_timesheet_line"
TO_APPROVE = "/odoo/action-hr_timesheet_billing.account_analytic_line_to_approve_action"
TOUR_URLS = {
    "employee_week": MY_TIMESHEETS,
    "lead_review": TO_APPROVE,
    "employee_fix": MY_TIMESHEETS,
    "lead_approve": TO_APPROVE,
    "finance_approve": TO_APPROVE,
    "accountant_invoice": "/odoo",
}


@tagged("post_install", "-at_install")
class TestBillingFlowInBrowser(HttpCase):
    """The whole flow in a real browser (headless Chromium), each step played
    by the user whose job it is; the records are checked between the tours
    (static/tests/tours/timesheet_billing_flow_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users, cls.emma, cls.project = set_up_flow(
            cls.env, "tour", 100.0, "Tour Rollout", "Tour Customer"
        )
        cls.env.company.timesheet_invoice_annex = True
        cls.employee_user, cls.lead, cls.finance, cls.accountant = cls.users.values()
        # Monday to Thursday of last week, 6 h a day; Friday is logged in the
        # browser. Last week by the machine's clock, as the browser counts it
        # (both in the machine's local timezone).
        today = date.today()
        cls.monday = today - timedelta(days=today.weekday() + 7)
        cls.Line = cls.env["account.analytic.line"]
        cls.Line.with_user(cls.employee_user).create(
            [
                {
                    "name": f"Rollout workshop {day + 1}",
                    "project_id": cls.project.id,
                    "date": cls.monday + timedelta(days=day),
                    "unit_amount": 6.0,
                }
                for day in range(4)
            ]
        )

    def play(self, tour, login):
        """Play ``tour`` as ``login`` from the page its user starts on."""
        self.start_tour(TOUR_URLS[tour], f"hr_timesheet_billing_{tour}", login=login)

    def week_lines(self):
        return self.Line.search([("employee_id", "=", self.emma.id)], order="date, id")

    def states(self):
        return self.week_lines().mapped("billing_state")

    def test_week_from_logging_to_printed_invoice(self):
        self.play("employee_week", "tour_employee")
        lines = self.week_lines()
        self.assertEqual(len(lines), 5)
        call = lines[-1]
        self.assertEqual(
            (call.name, call.date, call.unit_amount),
            ("Client call", self.monday + timedelta(days=4), 2.0),
        )
        self.assertEqual(self.states(), ["submitted"] * 5)

        self.play("lead_review", "tour_lead")
        self.assertEqual(self.states(), ["lead_approved"] * 4 + ["draft"])
        self.assertEqual(call.rejection_reason, "Say what the call was about")

        self.play("employee_fix", "tour_employee")
        self.assertEqual(call.name, "Client call: scope of phase 2")
        self.assertEqual(call.billing_state, "submitted")

        self.play("lead_approve", "tour_lead")
        self.assertEqual(self.states(), ["lead_approved"] * 5)

        self.play("finance_approve", "tour_finance")
        self.assertEqual(self.states(), ["approved"] * 5)
        logs = call.week_id.approval_log_ids.sorted("id")
        self.assertEqual(
            [(log.to_state, log.user_id) for log in logs],
            [
                ("submitted", self.employee_user),
                ("draft", self.lead),
                ("lead_approved", self.lead),
                ("submitted", self.employee_user),
                ("lead_approved", self.lead),
                ("approved", self.finance),
            ],
        )

        self.play("accountant_invoice", "tour_accountant")
        invoice = self.week_lines().invoice_id
        self.assertEqual(len(invoice), 1)
        self.assertEqual(self.states(), ["invoiced"] * 5)
        self.assertEqual(
            (invoice.state, invoice.partner_id.name, invoice.amount_untaxed),
            ("posted", "Tour Customer", 2600.0),
        )
        self.assertEqual(invoice.create_uid, self.accountant)
