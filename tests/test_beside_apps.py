"""Beside the apps firms install after us (Sales, Time Off, Attendances, ...):
run by ``./dev test`` in each install order (apps before the addon, after it,
in one ``-i`` with it), skipped elsewhere."""

from datetime import date, datetime
from unittest import SkipTest

from freezegun import freeze_time

from odoo.modules.registry import Registry
from odoo.tests import new_test_user, tagged
from odoo.tests.common import get_db_name

from .common import TimesheetBillingSetupCommon
from .test_host_compat import check_report_filters

NEEDED = ("hr.leave", "sale.order", "hr.timesheet.attendance.report")


@tagged("post_install", "-at_install")
class TestBesideApps(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        registry = Registry(get_db_name())
        if any(model not in registry for model in NEEDED):
            raise SkipTest("Sales, Time Off and Attendances are not installed here")
        super().setUpClass()
        # The shipped rules as strict as a firm may make them: Time Off's
        # lines must pass them anyway.
        for xmlid in ("rule_line_hours", "rule_daily_hours", "rule_future_date"):
            cls.env.ref(f"hr_timesheet_billing.{xmlid}").severity = "block"
        cls.ann.resource_calendar_id = cls.env.ref("resource.resource_calendar_std")
        cls.leave_type = cls.env["hr.leave.type"].create(
            {
                "name": "Paid leave (timesheets)",
                "requires_allocation": "no",
                "timesheet_generate": True,
            }
        )
        cls.hr_officer = new_test_user(
            cls.env,
            login="htb_hr_officer",
            groups="base.group_user,hr_holidays.group_hr_holidays_user",
        )

    def take_leave(self, start, end):
        leave = (
            self.env["hr.leave"]
            .with_user(self.timesheet_user)
            .create(
                {
                    "name": "Holiday",
                    "employee_id": self.ann.id,
                    "holiday_status_id": self.leave_type.id,
                    "request_date_from": start,
                    "request_date_to": end,
                }
            )
        )
        leave.with_user(self.hr_officer).action_validate()
        return leave

    @freeze_time("2026-03-04 12:00:00")
    def test_time_off_in_the_future_makes_its_timesheets(self):
        # Monday to Wednesday of next week: three lines of 8 h, ahead of today
        leave = self.take_leave(date(2026, 3, 9), date(2026, 3, 11))
        lines = leave.sudo().timesheet_ids
        self.assertEqual(len(lines), 3)
        self.assertEqual(sorted(lines.mapped("unit_amount")), [8.0, 8.0, 8.0])
        self.assertFalse(any(lines.mapped("rule_warning")))
        self.assertEqual(set(lines.mapped("billing_state")), {"draft"})
        self.assertFalse(any(lines.mapped("is_billable")))

    @freeze_time("2026-03-13 12:00:00")
    def test_submitting_a_week_leaves_time_off_to_time_off(self):
        leave = self.take_leave(date(2026, 3, 9), date(2026, 3, 10))
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        work = self.log_own(8.0, date(2026, 3, 11))
        self.assertEqual(Line.action_submit_my_week(date(2026, 3, 11)), 1)
        self.assertEqual(work.billing_state, "submitted")
        self.assertEqual(
            set(leave.sudo().timesheet_ids.mapped("billing_state")), {"draft"}
        )

    @freeze_time("2026-03-13 12:00:00")
    def test_a_cancelled_leave_takes_its_timesheets_whatever_their_approval(self):
        leave = self.take_leave(date(2026, 3, 9), date(2026, 3, 10))
        lines = leave.sudo().timesheet_ids
        # a billing manager (who sees every line) submitted them with the week
        lines.with_user(self.billing_manager).action_submit()
        self.assertEqual(set(lines.mapped("billing_state")), {"submitted"})
        leave.with_user(self.hr_officer).action_refuse()
        self.assertFalse(lines.exists())

    @freeze_time("2026-03-04 12:00:00")
    def test_a_public_holiday_makes_timesheets_ahead(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Founders' day",
                "calendar_id": self.ann.resource_calendar_id.id,
                "date_from": datetime(2026, 3, 20, 0, 0),
                "date_to": datetime(2026, 3, 20, 23, 59),
            }
        )
        lines = self.env["account.analytic.line"].search(
            [("employee_id", "=", self.ann.id), ("global_leave_id", "!=", False)]
        )
        self.assertEqual(lines.mapped("date"), [date(2026, 3, 20)])
        self.assertFalse(lines.rule_warning)

    def test_the_sales_timesheets_report_knows_our_filters(self):
        self.log(4)
        check_report_filters(
            self, "sale_timesheet.hr_timesheet_report_search_sale_timesheet"
        )
        check_report_filters(self, "hr_timesheet.hr_timesheet_report_search")

    def test_the_attendance_report_reads_our_hours(self):
        self.log(4)
        self.log(1.5, project=self.project_internal)
        rows = self.env["hr.timesheet.attendance.report"].search(
            [("employee_id", "=", self.ann.id), ("date", "=", self.day)]
        )
        self.assertEqual(sum(rows.mapped("total_timesheet")), 5.5)
