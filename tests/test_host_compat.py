"""What Odoo itself does passes the addon's defaults: 0-hour lines, negative
corrections; and the Timesheets report, whose search view Odoo builds on the
timesheet search view this addon extends, knows every field our filters name."""

import ast
from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TimesheetBillingSetupCommon


def report_filters(env, view_xmlid):
    """``{name: domain}`` of the filters of a search view of the Timesheets
    report, as the web client receives it."""
    Report = env["timesheets.analysis.report"]
    view = env.ref(view_xmlid)
    arch = Report.get_views([(view.id, "search")])["views"]["search"]["arch"]
    return {
        node.get("name"): node.get("domain")
        for node in etree.fromstring(arch).iter("filter")
        if node.get("domain")
    }


def check_report_filters(test, view_xmlid):
    """Every filter of the addon on the report's search view searches the
    report (as the administrator: the invoice filters read invoices); return
    the names of the filters tried."""
    user = test.env.ref("base.user_admin")
    ours = {
        node.get("name")
        for node in etree.fromstring(
            test.env.ref("hr_timesheet_billing.account_analytic_line_view_search").arch
        ).iter("filter")
        if node.get("domain")
    }
    filters = report_filters(test.env, view_xmlid)
    test.assertLessEqual(ours, set(filters), "our filters reach the report's view")
    Report = test.env["timesheets.analysis.report"].with_user(user)
    for name in sorted(ours):
        # our domains are literals
        Report.search(ast.literal_eval(filters[name]))
    return ours


@tagged("post_install", "-at_install")
class TestWhatOdooDoes(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)

    def test_zero_hour_lines_are_accepted_and_not_submitted(self):
        """hr_timesheet's own test creates a 0-hour line when an employee's
        user changes; timers and quick entries leave them too."""
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        with freeze_time("2026-03-06 12:00:00"):
            empty = self.log_own(0.0, date(2026, 3, 4))  # a timer stopped at once
            self.assertFalse(empty.rule_warning)
            self.assertFalse(empty.needs_attention)
            self.assertEqual(empty.billable_hours, 0.0)
            with self.assertRaisesRegex(UserError, "no draft timesheet"):
                Line.action_submit_my_week(date(2026, 3, 4))
            worked = self.log_own(3.0, date(2026, 3, 5))
            # the wizard lists what its button submits
            wizard = (
                self.env["timesheet.billing.submit.week"]
                .with_user(self.timesheet_user)
                .create({"day": date(2026, 3, 4)})
            )
            self.assertEqual(wizard.line_ids, worked)
            self.assertEqual(wizard.hours, 3.0)
            self.assertEqual(Line.action_submit_my_week(date(2026, 3, 4)), 1)
        self.assertEqual(worked.billing_state, "submitted")
        self.assertEqual(empty.billing_state, "draft")

    def test_a_negative_correction_is_accepted_and_never_billed(self):
        """sale_timesheet's own tests log -1 h: a correction of time logged
        before. The shipped rule flags it for the approver; nothing refuses
        it, and it is never invoiced (the approver adjusts the corrected
        line)."""
        correction = self.log(-1.5)
        self.assertTrue(correction.needs_attention)
        self.assertIn("logged -1.5 h", correction.rule_warning)
        self.assertEqual(correction.billable_hours, -1.5)
        self.assertEqual(correction.sudo().bill_amount, 0.0)
        # an adjustment never takes billable hours below zero, nor below the
        # negative hours worked
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            correction.with_user(self.approver).write(
                {"billable_hours": -2.0, "billable_hours_reason": "typo"}
            )
        worked = self.log(2)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            worked.with_user(self.approver).write(
                {"billable_hours": -1.0, "billable_hours_reason": "refund"}
            )

    def test_the_timesheets_report_knows_our_filters(self):
        # Ann's own time: the approver may approve it (not time they logged)
        line = self.log_own(4, self.day)
        tried = check_report_filters(self, "hr_timesheet.hr_timesheet_report_search")
        self.assertIn("mine_to_approve", tried)
        Report = self.env["timesheets.analysis.report"].with_user(self.approver)
        self.env.flush_all()  # the report reads the table (as a new request does)
        row = Report.search([("id", "=", line.id)])
        self.assertEqual(row.billing_state, "draft")
        self.assertTrue(row.is_billable)
        self.assertEqual(row.billable_hours, 4.0)
        self.assertFalse(row.can_approve)
        line.with_user(self.timesheet_user).action_submit()
        self.env.flush_all()
        self.assertEqual(Report.search([("can_approve", "=", True)]), row)
        self.env.invalidate_all()
        self.assertTrue(row.can_approve)
        self.assertEqual(
            Report.search([("billing_state", "=", "submitted")]).ids, line.ids
        )

    def test_approvers_see_in_the_report_the_lines_they_approve(self):
        other_lead = new_test_user(
            self.env,
            login="htb_other_lead",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        line = self.log(2)  # on Acme ERP, which self.approver leads
        self.env.flush_all()
        Report = self.env["timesheets.analysis.report"]
        self.assertEqual(
            Report.with_user(self.approver).search([("id", "=", line.id)]).ids,
            line.ids,
        )
        # hr_timesheet shows every public project's lines to any approver
        self.assertFalse(Report.with_user(other_lead).search([("id", "=", line.id)]))
