from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TimesheetBillingSetupCommon

MONDAY = date(2026, 11, 16)  # the week checked: 16 to 22 November 2026
NEXT_MONDAY = date(2026, 11, 23)


@tagged("post_install", "-at_install")
class TestReminders(TimesheetBillingSetupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "timesheet_reminder_missing_hours": True,
                "timesheet_reminder_period": "week",
                "timesheet_reminder_tolerance": 0.5,
                "timesheet_reminder_approvals": True,
                "timesheet_approval_delay_days": 3,
            }
        )
        cls.Reminder = cls.env["timesheet.billing.reminder"]
        cls.full_time = cls.env["resource.calendar"].create(
            {
                "name": "Full time 40 h",
                "tz": "Europe/Brussels",
                "attendance_ids": _attendances((0, 1, 2, 3, 4)),
            }
        )
        cls.part_time = cls.env["resource.calendar"].create(
            {
                "name": "Part time 24 h (Mon-Wed)",
                "tz": "Europe/Brussels",
                "attendance_ids": _attendances((0, 1, 2)),
            }
        )
        cls.ann.write(
            {"resource_calendar_id": cls.full_time.id, "tz": "Europe/Brussels"}
        )
        cls.carl_user = new_test_user(
            cls.env, login="htb_carl", groups="hr_timesheet.group_hr_timesheet_user"
        )
        cls.carl = cls.env["hr.employee"].create(
            {
                "name": "Carl Parttime",
                "user_id": cls.carl_user.id,
                "resource_calendar_id": cls.part_time.id,
                "tz": "Europe/Brussels",
            }
        )
        # Bob has no user: never reminded of his hours.
        cls.bob.write({"resource_calendar_id": cls.full_time.id})
        cls.dora_user = new_test_user(
            cls.env, login="htb_dora", groups="hr_timesheet.group_hr_timesheet_user"
        )
        cls.dora = cls.env["hr.employee"].create(
            {
                "name": "Dora Gone",
                "user_id": cls.dora_user.id,
                "resource_calendar_id": cls.full_time.id,
            }
        )
        cls.dora.action_archive()

    def log_days(self, employee, hours_by_weekday, project=None):
        for weekday, hours in hours_by_weekday.items():
            self.log(
                hours,
                project=project,
                employee=employee,
                day=date.fromordinal(MONDAY.toordinal() + weekday),
            )

    def send(self, today=NEXT_MONDAY):
        """The missing-hours reminders of this test's employees (the database
        may hold others)."""
        self.Reminder._send_missing_hours(self.company, today)
        return self.Reminder.search(
            [
                ("kind", "=", "missing_hours"),
                ("employee_id", "in", (self.ann | self.bob | self.carl).ids),
            ]
        )

    # ------------------------------------------------------- missing hours

    def test_missing_day_named_with_activity_and_email(self):
        self.log_days(self.ann, {0: 8, 1: 8, 2: 8, 3: 8})  # nothing on Friday
        reminder = self.send().filtered(lambda r: r.employee_id == self.ann)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.user_id, self.timesheet_user)
        self.assertEqual(
            (reminder.date_from, reminder.date_to), (MONDAY, date(2026, 11, 22))
        )
        self.assertEqual(
            (reminder.expected_hours, reminder.logged_hours, reminder.missing_hours),
            (40.0, 32.0, 8.0),
        )
        self.assertIn("11/20/2026: 0 h logged of 8 h", reminder.details)
        self.assertNotIn("11/19/2026", reminder.details)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "hr.employee"), ("res_id", "=", self.ann.id)]
        )
        self.assertEqual(activity.user_id, self.timesheet_user)
        self.assertEqual(activity.summary, "Log your missing hours (8 h)")
        # the reminder's email is the only one: no "activity assigned" email
        self.assertFalse(
            self.env["mail.mail"].search([("subject", "ilike", "assigned to you")])
        )
        mail = self.env["mail.mail"].search(
            [("model", "=", reminder._name), ("res_id", "=", reminder.id)]
        )
        self.assertEqual(mail.recipient_ids, self.timesheet_user.partner_id)
        self.assertIn("8.0 h are missing", mail.body_html)
        self.assertIn("11/20/2026", mail.body_html)
        # The employee reads the reminder sent to them, not others'.
        self.assertEqual(
            self.Reminder.with_user(self.timesheet_user).search([]), reminder
        )
        carls = self.Reminder.with_user(self.carl_user).search([])
        self.assertEqual(carls.user_id, self.carl_user)  # his own only

    def test_weekend_not_expected_and_full_week_not_reminded(self):
        self.log_days(self.ann, {0: 8, 1: 8, 2: 8, 3: 8, 4: 8})
        shortfall = self.Reminder._get_shortfalls(self.ann, MONDAY, date(2026, 11, 22))[
            self.ann
        ]
        self.assertEqual(shortfall["expected"], 40.0)  # 5 days, not 7
        self.assertEqual(shortfall["days"], [])
        self.assertFalse(self.send().filtered(lambda r: r.employee_id == self.ann))

    def test_public_holiday_taken_out(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": False,  # every calendar of the company
                "resource_id": False,
                "date_from": datetime(2026, 11, 18, 23, 0),  # Thursday, Brussels
                "date_to": datetime(2026, 11, 19, 22, 59, 59),
            }
        )
        self.log_days(self.ann, {0: 8, 1: 8, 2: 8, 4: 8})  # Thursday off
        shortfall = self.Reminder._get_shortfalls(self.ann, MONDAY, date(2026, 11, 22))[
            self.ann
        ]
        self.assertEqual((shortfall["expected"], shortfall["missing"]), (32.0, 0.0))
        self.assertFalse(self.send().filtered(lambda r: r.employee_id == self.ann))

    def test_part_time_with_time_off_and_tolerance(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Carl's day off",
                "calendar_id": self.part_time.id,
                "resource_id": self.carl.resource_id.id,
                "date_from": datetime(2026, 11, 16, 23, 0),  # Tuesday, Brussels
                "date_to": datetime(2026, 11, 17, 22, 59, 59),
            }
        )
        self.log_days(self.carl, {0: 8, 2: 7.5})
        shortfall = self.Reminder._get_shortfalls(
            self.carl, MONDAY, date(2026, 11, 22)
        )[self.carl]
        # Monday and Wednesday expected: Tuesday is off, Thursday and Friday
        # are not part of his schedule.
        self.assertEqual(
            (shortfall["expected"], shortfall["logged"], shortfall["missing"]),
            (16.0, 15.5, 0.5),
        )
        # 0.5 h short is within the tolerance of 0.5 h ...
        self.assertFalse(self.send().filtered(lambda r: r.employee_id == self.carl))
        # ... not within 0.25 h.
        self.company.timesheet_reminder_tolerance = 0.25
        reminder = self.send().filtered(lambda r: r.employee_id == self.carl)
        self.assertEqual(reminder.missing_hours, 0.5)
        self.assertIn("11/18/2026: 7.5 h logged of 8 h", reminder.details)

    def test_second_run_sends_nothing_new(self):
        self.send()
        reminders = self.Reminder.search([])
        mails = self.env["mail.mail"].search([("model", "=", self.Reminder._name)])
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "hr.employee")]
        )
        self.send()
        self.assertEqual(self.Reminder.search([]), reminders)
        self.assertEqual(
            self.env["mail.mail"].search([("model", "=", self.Reminder._name)]), mails
        )
        self.assertEqual(
            self.env["mail.activity"].search([("res_model", "=", "hr.employee")]),
            activities,
        )

    def test_archived_and_userless_employees_skipped(self):
        # Nobody logged anything: Ann and Carl are reminded, Bob (no user)
        # and Dora (archived) are not.
        self.assertEqual(set(self.send().employee_id.ids), {self.ann.id, self.carl.id})

    def test_batches_report_progress(self):
        cron = self.env.ref("hr_timesheet_billing.ir_cron_send_reminders")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        more = self.env["hr.employee"].create(
            [
                {
                    "name": f"Extra {index}",
                    "user_id": new_test_user(
                        self.env,
                        login=f"htb_extra_{index}",
                        groups="hr_timesheet.group_hr_timesheet_user",
                    ).id,
                    "resource_calendar_id": self.full_time.id,
                    "tz": "Europe/Brussels",
                }
                for index in range(5)
            ]
        )
        employees = self.env["hr.employee"].search(
            self.Reminder._get_reminded_employees_domain(self.company)
        )
        done = self.Reminder.with_context(
            ir_cron_progress_id=progress.id
        )._send_missing_hours(self.company, NEXT_MONDAY, batch_size=3)
        self.assertEqual(done, len(employees))
        self.assertEqual((progress.done, progress.remaining), (len(employees), 0))
        self.assertEqual(
            len(self.Reminder.search([("employee_id", "in", more.ids)])), 5
        )

    def test_daily_period_checks_yesterday(self):
        self.company.timesheet_reminder_period = "day"
        self.log_days(self.ann, {2: 6})  # Wednesday 18
        reminder = self.send(today=date(2026, 11, 19)).filtered(
            lambda r: r.employee_id == self.ann
        )
        self.assertEqual(
            (reminder.date_from, reminder.date_to), (date(2026, 11, 18),) * 2
        )
        self.assertEqual(reminder.missing_hours, 2.0)
        # Sunday is no working day: nothing is missing on Monday morning.
        self.assertFalse(
            self.send(today=NEXT_MONDAY).filtered(
                lambda r: r.date_from == date(2026, 11, 22)
            )
        )

    # ---------------------------------------------------- approval digests

    def submit_week(self, employee, project, hours, user):
        lines = self.env["account.analytic.line"]
        for weekday in range(hours // 8):
            lines |= self.log(
                8,
                project=project,
                employee=employee,
                day=date.fromordinal(MONDAY.toordinal() + weekday),
            )
        lines.with_user(user).action_submit()
        return lines

    def age_logs(self, lines, when):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE timesheet_billing_approval_log SET create_date = %s "
            "WHERE week_id = ANY(%s)",
            [when, list(set(lines.week_id.ids))],
        )
        self.env.invalidate_all()

    def test_digest_groups_by_approver(self):
        lead2 = new_test_user(
            self.env,
            login="htb_lead2",
            groups="hr_timesheet.group_hr_timesheet_approver",
        )
        old = self.submit_week(self.ann, self.project_acme, 16, self.timesheet_user)
        old |= self.submit_week(self.ann, self.project_globex, 8, self.timesheet_user)
        old |= self.submit_week(self.bob, self.project_acme, 24, self.approver)
        self.project_globex.user_id = lead2
        self.age_logs(old, datetime(2026, 11, 18, 9, 0))
        digests = self.Reminder._send_approval_digests(self.company, NEXT_MONDAY)
        by_user = {digest.user_id: digest for digest in digests}
        self.assertEqual(set(by_user), {self.approver, lead2})
        # The approver leads Acme ERP: Ann's and Bob's weeks (both pending in
        # full on his project and Ann's Globex line too: a week waits as one).
        self.assertIn("Ann Example", by_user[self.approver].details)
        self.assertIn("Bob Example", by_user[self.approver].details)
        self.assertIn("Ann Example", by_user[lead2].details)
        self.assertNotIn("Bob Example", by_user[lead2].details)
        self.assertEqual(by_user[self.approver].logged_hours, 24.0 + 24.0)
        mail = self.env["mail.mail"].search(
            [("model", "=", self.Reminder._name), ("res_id", "=", by_user[lead2].id)]
        )
        self.assertEqual(mail.recipient_ids, lead2.partner_id)
        self.assertIn(
            f"{self.env['ir.config_parameter'].get_param('web.base.url')}"
            "/odoo/action-hr_timesheet_billing.account_analytic_line_to_approve_action",
            mail.body_html,
        )
        # Run again the same day: nothing new.
        self.assertFalse(
            self.Reminder._send_approval_digests(self.company, NEXT_MONDAY)
        )

    def test_digest_waits_for_the_delay(self):
        lines = self.submit_week(self.ann, self.project_acme, 8, self.timesheet_user)
        self.age_logs(lines, datetime(2026, 11, 21, 9, 0))  # 2 days before
        self.assertFalse(
            self.Reminder._send_approval_digests(self.company, NEXT_MONDAY)
        )
        self.assertTrue(
            self.Reminder._send_approval_digests(self.company, date(2026, 11, 24))
        )

    # ------------------------------------------------------- run and rights

    def test_scheduled_job_follows_the_settings(self):
        self.company.write(
            {
                "timesheet_reminder_missing_hours": False,
                "timesheet_reminder_approvals": False,
            }
        )
        with freeze_time("2026-11-23 06:00:00"):
            self.Reminder._cron_send_reminders()
        self.assertFalse(self.Reminder.search([]))
        self.company.timesheet_reminder_missing_hours = True
        with freeze_time("2026-11-23 06:00:00"):
            self.Reminder._cron_send_reminders()
        self.assertEqual(set(self.Reminder.search([]).mapped("date_from")), {MONDAY})

    def test_send_now_for_billing_managers_only(self):
        with self.assertRaisesRegex(AccessError, "htb_timesheet_user|billing managers"):
            self.Reminder.with_user(self.timesheet_user).action_send_now()
        with freeze_time("2026-11-23 06:00:00"):
            result = self.Reminder.with_user(self.billing_manager).action_send_now()
        sent = self.Reminder.with_user(self.billing_manager).search([])
        self.assertEqual(result["params"]["message"], f"{len(sent)} reminders sent.")
        self.assertLessEqual({self.ann, self.carl}, set(sent.employee_id))
        # Pressed again: nothing is sent twice.
        with freeze_time("2026-11-23 06:05:00"):
            result = self.Reminder.with_user(self.billing_manager).action_send_now()
        self.assertEqual(result["params"]["message"], "0 reminders sent.")


def _attendances(weekdays):
    return [
        Command.create(
            {
                "name": f"Day {day} {period}",
                "dayofweek": str(day),
                "hour_from": start,
                "hour_to": end,
                "day_period": period,
            }
        )
        for day in weekdays
        for start, end, period in ((8, 12, "morning"), (13, 17, "afternoon"))
    ]
