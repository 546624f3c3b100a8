from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestLoggingRules(TimesheetBillingSetupCommon):
    """Each rule in both severities; dates are frozen on 2026-03-10 (UTC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.rate(100.0, role_id=cls.junior.id)
        cls.Rule = cls.env["timesheet.billing.rule"]
        (cls.ann | cls.bob).write({"tz": "UTC"})

    def setUp(self):
        super().setUp()
        frozen = freeze_time("2026-03-10 12:00:00")
        frozen.start()
        self.addCleanup(frozen.stop)

    def rule(self, rule_type, severity="warn", **values):
        return self.Rule.with_user(self.billing_manager).create(
            {
                "name": rule_type.replace("_", " ").title(),
                "rule_type": rule_type,
                "severity": severity,
                **values,
            }
        )

    def assertRefused(self, *fragments, **line_values):
        with self.assertRaises(ValidationError) as refused:
            self.log(**line_values)
        for fragment in fragments:
            self.assertIn(fragment, str(refused.exception))
        return refused.exception

    def assertFlagged(self, line, *fragments):
        self.assertTrue(line.needs_attention, "the line should need attention")
        for fragment in fragments:
            self.assertIn(fragment, line.rule_warning)

    def assertClean(self, line):
        self.assertFalse(line.rule_warning)
        self.assertFalse(line.needs_attention)

    def shipped(self, xmlid, severity="block"):
        """One of the rules the addon installs, made to ``severity``."""
        rule = self.env.ref(f"hr_timesheet_billing.{xmlid}")
        rule.severity = severity
        return rule

    # ------------------------------------------------- installed defaults

    def test_hours_per_line(self):
        # Shipped as a warning: Odoo itself logs long lines and negative
        # corrections (sale_timesheet's own tests log 50 h and -1 h).
        self.assertFlagged(
            self.log(26.5, day=date(2026, 3, 2)),
            "Ann Example, 2026-03-02, Acme ERP",
            "Ann Example logged 26.5 h",
            "from 0 to 24 h",
            "rule: Hours per line",
        )
        self.assertFlagged(self.log(-2, day=date(2026, 3, 3)), "logged -2 h")
        # Odoo's timers and quick entries leave 0-hour lines: never flagged
        self.assertClean(self.log(0, day=date(2026, 3, 4)))
        self.assertClean(self.log(24, day=date(2026, 3, 5)))
        self.shipped("rule_line_hours")
        self.assertRefused("Ann Example logged 26.5 h", "from 0 to 24 h", hours=26.5)
        self.assertRefused("logged -2 h", hours=-2)
        self.assertClean(self.log(0, day=date(2026, 3, 6)))

    def test_hours_per_day(self):
        self.log(20)
        self.assertFlagged(
            self.log(5), "Ann Example logged 25 h on 2026-03-04; the limit is 24 h"
        )
        self.shipped("rule_daily_hours")
        self.assertRefused(
            "Ann Example logged 26 h on 2026-03-04; the limit is 24 h per day",
            hours=1,
        )
        self.log(20, employee=self.bob)  # Bob's day is his own

    def test_daily_warning_flags_the_day_and_clears_when_fixed(self):
        self.rule("daily_hours", max_hours=10.0)
        morning = self.log(8)
        self.assertClean(morning)
        evening = self.log(3)
        for line in morning | evening:
            self.assertFlagged(line, "logged 11 h on 2026-03-04; the limit is 10 h")
        evening.unit_amount = 2
        self.assertClean(morning)
        self.assertClean(evening)
        evening.unit_amount = 4
        self.assertFlagged(morning, "logged 12 h")
        evening.unlink()
        self.assertClean(morning)

    def test_no_future_dates(self):
        ahead = self.log(1, day=date(2026, 3, 11))
        self.assertFlagged(ahead, "the date is in the future", "rule: No future dates")
        ahead.unlink()
        self.shipped("rule_future_date")
        self.assertRefused(
            "the date is in the future (today is 2026-03-10 for the employee)",
            "rule: No future dates",
            hours=1,
            day=date(2026, 3, 11),
        )
        self.assertClean(self.log(1, day=date(2026, 3, 10)))
        line = self.log(1, day=date(2026, 3, 9))
        with self.assertRaises(ValidationError):
            line.date = date(2026, 4, 1)
        self.assertEqual(line.date, date(2026, 3, 9))

    def test_future_is_judged_in_the_employee_timezone(self):
        """At 14:30 UTC it is already tomorrow in Brisbane (UTC+10), still
        this morning in Honolulu (UTC-10)."""
        self.shipped("rule_future_date")
        self.ann.tz = "Australia/Brisbane"
        self.bob.tz = "Pacific/Honolulu"
        with freeze_time("2026-03-10 14:30:00"):  # Brisbane: 03-11 00:30
            self.assertClean(self.log(1, day=date(2026, 3, 11)))
            self.assertRefused(
                "today is 2026-03-10 for the employee",
                hours=1,
                day=date(2026, 3, 11),
                employee=self.bob,
            )
        with freeze_time("2026-03-10 13:30:00"):  # Brisbane: 03-10 23:30
            self.assertRefused("today is 2026-03-10", hours=1, day=date(2026, 3, 11))
        # UTC's today is still tomorrow in Honolulu early in the UTC day
        with freeze_time("2026-03-10 05:00:00"):  # Honolulu: 03-09 19:00
            self.assertRefused(
                "today is 2026-03-09 for the employee",
                hours=1,
                day=date(2026, 3, 10),
                employee=self.bob,
            )
            self.assertClean(self.log(1, day=date(2026, 3, 9), employee=self.bob))

    def test_lock_date(self):
        self.company.timesheet_lock_date = date(2026, 2, 28)
        self.assertRefused(
            "timesheets are locked up to 2026-02-28",
            "rule: Locked period",
            hours=1,
            day=date(2026, 2, 28),
        )
        line = self.log(1, day=date(2026, 3, 1))
        with self.assertRaises(ValidationError):
            line.date = date(2026, 2, 1)

    # ------------------------------------------------ optional rule types

    def test_max_age(self):
        self.ann.tz = "Australia/Brisbane"
        rule = self.rule("max_age", days=7)
        # 2026-03-10 12:00 UTC is 22:00 in Brisbane: oldest allowed 03-03
        self.assertFlagged(
            self.log(1, day=date(2026, 3, 2)),
            "older than 7 days (oldest date allowed: 2026-03-03)",
        )
        self.assertClean(self.log(1, day=date(2026, 3, 3)))
        with freeze_time("2026-03-10 14:30:00"):  # Brisbane: 03-11, oldest 03-04
            self.assertFlagged(self.log(1, day=date(2026, 3, 3)), "2026-03-04")
            rule.severity = "block"
            self.assertRefused("older than 7 days", hours=1, day=date(2026, 3, 3))
        rule.severity = "warn"
        self.bob.tz = "Pacific/Honolulu"
        with freeze_time("2026-03-10 05:00:00"):  # Honolulu: 03-09, oldest 03-02
            self.assertClean(self.log(1, day=date(2026, 3, 2), employee=self.bob))
            self.assertFlagged(
                self.log(1, day=date(2026, 3, 1), employee=self.bob),
                "oldest date allowed: 2026-03-02",
            )

    def test_task_and_description_required(self):
        task = self.env["project.task"].create(
            {"name": "Design", "project_id": self.project_acme.id}
        )
        self.rule("task_required")
        self.rule("description_required", severity="block")
        self.assertFlagged(self.log(1), "no task given")
        self.assertClean(self.log(1, task_id=task.id))
        self.assertRefused("no description given", hours=1, name="/")
        self.assertRefused("no description given", hours=1, name="  ")

    def test_increment_and_rounding(self):
        rule = self.rule("increment", increment=0.25, rounding="up")
        line = self.log(1.1)
        self.assertFlagged(line, "1.1 h is not a multiple of 0.25 h")
        # billed: 1.1 h rounded up to 1.25 h, x 100.00 = 125.00
        self.assertEqual(line.billable_hours, 1.25)
        self.assertEqual(line.sudo().bill_amount, 125.0)
        self.assertEqual(line.unit_amount, 1.1)
        for rounding, expected in (("down", 1.0), ("half_up", 1.0), ("none", 1.1)):
            rule.rounding = rounding
            line.unit_amount = 1.1  # recomputed when the line changes
            self.assertAlmostEqual(line.billable_hours, expected)
        line.unit_amount = 1.5
        self.assertClean(line)
        rule.severity = "block"
        self.assertRefused("1.1 h is not a multiple of 0.25 h", hours=1.1)

    def test_project_open(self):
        self.rule("project_open", severity="block")
        self.project_acme_support.allow_timesheets = False
        self.assertRefused(
            "Acme Support: the project is closed to timesheets",
            hours=1,
            project=self.project_acme_support,
        )
        self.assertClean(self.log(1))

    def test_contract_dates(self):
        self.rule("contract_dates")
        self.env["timesheet.billing.contract"].create(
            {
                "name": "Acme Q1",
                "partner_id": self.acme.id,
                "project_ids": [(6, 0, self.project_acme.ids)],
                "date_start": "2026-01-01",
                "date_end": "2026-02-28",
            }
        )
        self.assertFlagged(
            self.log(1), "outside the project's contracts (2026-01-01 → 2026-02-28)"
        )
        self.assertClean(self.log(1, day=date(2026, 2, 27)))
        self.assertClean(self.log(1, project=self.project_acme_support))

    def test_missing_rate_until_a_card_exists(self):
        self.rule("missing_rate")
        line = self.log(2, project=self.project_acme_support, employee=self.bob)
        self.env["timesheet.billing.rate"].search(
            [("role_id", "=", self.junior.id)]
        ).active = False
        line.unit_amount = 3
        self.assertFlagged(line, "no rate card prices Bob Example (Junior)")
        self.rate(90.0, employee_id=self.bob.id)
        self.assertClean(line)

    # ------------------------------------------------------------ budgets

    def test_project_budget_warns_or_blocks(self):
        self.rule("budget")
        self.project_acme.budget_hours = 10.0
        self.assertClean(self.log(8, day=date(2026, 3, 2)))
        over = self.log(3)
        self.assertFlagged(over, "the project's budget of 10 h is exceeded (11 h")
        self.project_acme.budget_policy = "block"
        self.assertRefused("budget of 10 h is exceeded (12 h", hours=1)

    def test_contract_cap_amount(self):
        self.rule("budget", severity="block")
        self.env["timesheet.billing.contract"].create(
            {
                "name": "Acme capped",
                "partner_id": self.acme.id,
                "project_ids": [(6, 0, self.project_acme.ids)],
                "date_start": "2026-01-01",
                "cap_amount": 500.0,
            }
        )
        self.log(4, day=date(2026, 3, 2))  # 400.00
        self.assertRefused(
            "the contract's cap of 500 is exceeded (600 billable)", hours=2
        )

    def test_overflow_is_kept_out_of_billing(self):
        """Contract cap 10 h, billed up to it: 8 h, then 4 h of which 2 h bill."""
        self.rule("budget")
        self.env["timesheet.billing.contract"].create(
            {
                "name": "Acme capped",
                "partner_id": self.acme.id,
                "project_ids": [(6, 0, self.project_acme.ids)],
                "date_start": "2026-01-01",
                "cap_hours": 10.0,
                "budget_policy": "overflow",
            }
        )
        first = self.log(8, day=date(2026, 3, 2))
        second = self.log(4)
        self.assertClean(second)
        self.assertEqual(second.budget_overflow_hours, 2.0)
        self.assertEqual(second.billable_hours, 2.0)
        self.assertEqual(second.sudo().bill_amount, 200.0)  # 2 h x 100.00
        self.assertEqual(second.unit_amount, 4.0)
        first.unit_amount = 6  # back under the cap: 6 + 4 = 10 h
        self.assertEqual(second.budget_overflow_hours, 0.0)
        self.assertEqual(second.sudo().bill_amount, 400.0)

    # --------------------------------------------------- batches and scope

    def test_batch_is_all_or_nothing(self):
        self.shipped("rule_line_hours")
        Line = self.env["account.analytic.line"].with_user(self.approver)
        before = Line.search_count([])
        vals = [
            {
                "name": "ok",
                "project_id": self.project_acme.id,
                "employee_id": self.ann.id,
                "date": "2026-03-02",
                "unit_amount": 2,
            },
            {
                "name": "too long",
                "project_id": self.project_acme.id,
                "employee_id": self.bob.id,
                "date": "2026-03-03",
                "unit_amount": 30,
            },
            {
                "name": "ok too",
                "project_id": self.project_globex.id,
                "employee_id": self.bob.id,
                "date": "2026-03-04",
                "unit_amount": 3,
            },
        ]
        with self.assertRaises(ValidationError) as refused:
            Line.create(vals)
        self.assertIn("Bob Example logged 30 h", str(refused.exception))
        self.assertNotIn("Ann Example", str(refused.exception))
        self.assertEqual(Line.search_count([]), before)

    def test_import_through_load(self):
        self.shipped("rule_line_hours")
        Line = self.env["account.analytic.line"].with_user(self.approver)
        before = Line.search_count([])
        fields = ["name", "project_id/id", "employee_id/.id", "date", "unit_amount"]
        acme = self.project_acme.get_external_id()[self.project_acme.id] or (
            self.env["ir.model.data"]._update_xmlids(
                [{"xml_id": "__test__.acme_erp", "record": self.project_acme}]
            )
            or "__test__.acme_erp"
        )
        rows = [
            ["Import ok", acme, str(self.ann.id), "2026-03-02", "2"],
            ["Import bad", acme, str(self.ann.id), "2026-03-03", "25"],
        ]
        result = Line.load(fields, rows)
        self.assertFalse(result["ids"])
        self.assertTrue(
            any("logged 25 h" in message["message"] for message in result["messages"])
        )
        self.assertEqual(Line.search_count([]), before)
        result = Line.load(fields, rows[:1])
        self.assertEqual(len(result["ids"]), 1, result["messages"])

    def test_rules_narrowed_to_a_project(self):
        self.rule(
            "task_required",
            severity="block",
            project_ids=[(6, 0, self.project_acme.ids)],
        )
        self.assertRefused("no task given", hours=1)
        self.assertClean(self.log(1, project=self.project_globex))

    def test_rules_of_another_company(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.Rule.create(
            {
                "name": "Elsewhere",
                "rule_type": "task_required",
                "severity": "block",
                "company_id": other.id,
            }
        )
        self.assertClean(self.log(1))

    # ----------------------------------------------------- acknowledgement

    def test_approver_acknowledges_warnings(self):
        self.rule("task_required")
        line = self.log(1)
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).action_acknowledge_warnings()
        line.with_user(self.approver).action_acknowledge_warnings()
        self.assertFalse(line.needs_attention)
        self.assertEqual(line.warning_acknowledged_by_id, self.approver)
        self.assertIn("no task given", line.rule_warning)
        with self.assertRaises(UserError):
            line.with_user(self.approver).action_acknowledge_warnings()
        # A new warning needs a new acknowledgement.
        self.rule("description_required")
        line.name = "/"
        self.assertTrue(line.needs_attention)
        self.assertFalse(line.warning_acknowledged_by_id)

    def test_employee_gets_the_same_checks(self):
        self.shipped("rule_line_hours")
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        with self.assertRaises(ValidationError):
            Line.create(
                {
                    "name": "x",
                    "project_id": self.project_acme.id,
                    "date": "2026-03-04",
                    "unit_amount": 25,
                }
            )
        self.rule("task_required")
        line = Line.create(
            {
                "name": "x",
                "project_id": self.project_acme.id,
                "date": "2026-03-04",
                "unit_amount": 2,
            }
        )
        self.assertTrue(line.needs_attention)
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.timesheet_user).create(
                {"name": "Mine", "rule_type": "task_required"}
            )
