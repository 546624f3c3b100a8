import uuid
from contextlib import contextmanager
from datetime import date

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from .common import CommittedConnections, TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestEntryWritesOwnLines(TimesheetBillingSetupCommon):
    """Monday morning: everyone logs on the same projects at once. An entry
    writes only its employee's lines; budgets and caps are read as sums, so
    its cost does not grow with the project (dates frozen on 2026-03-10)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.rate(100.0, role_id=cls.junior.id)
        cls.bob_user = new_test_user(
            cls.env,
            login="htb_scale_bob",
            groups="hr_timesheet.group_hr_timesheet_user",
        )
        cls.bob.user_id = cls.bob_user
        (cls.ann | cls.bob).write({"tz": "UTC"})
        Rule = cls.env["timesheet.billing.rule"]
        Rule.search([]).active = False
        Rule.create(
            [
                {"name": "Budget", "rule_type": "budget", "severity": "warn"},
                {"name": "Day", "rule_type": "daily_hours", "max_hours": 10.0},
            ]
        )
        cls.project_acme.budget_hours = 10.0
        cls.contract = cls.env["timesheet.billing.contract"].create(
            {
                "name": "Acme capped",
                "partner_id": cls.acme.id,
                "project_ids": [(6, 0, cls.project_acme.ids)],
                "date_start": "2026-01-01",
                "cap_hours": 12.0,
                "budget_policy": "overflow",
            }
        )

    def setUp(self):
        super().setUp()
        frozen = freeze_time("2026-03-10 12:00:00")
        frozen.start()
        self.addCleanup(frozen.stop)

    def own_line(self, user, hours, day):
        return (
            self.env["account.analytic.line"]
            .with_user(user)
            .create(
                {
                    "name": "Analysis",
                    "project_id": self.project_acme.id,
                    "date": day,
                    "unit_amount": hours,
                }
            )
        )

    def test_an_entry_over_the_budget_flags_only_itself(self):
        """Budget 10 h (warn). Bob logs 8 h on Tuesday; Ann then logs 6 h
        back-dated to Monday. Ann's line is the one that took the project
        over (14 h logged): it is flagged, Bob's line is left as it was."""
        self.contract.cap_hours = 0.0
        bobs = self.own_line(self.bob_user, 8.0, date(2026, 3, 3))
        anns = self.own_line(self.timesheet_user, 6.0, date(2026, 3, 2))
        self.assertFalse(bobs.rule_warning)
        self.assertFalse(bobs.needs_attention)
        self.assertIn(
            "the project's budget of 10 h is exceeded (14 h logged)", anns.rule_warning
        )
        self.assertTrue(anns.needs_attention)
        # The budget's state is derived from the sums, not stored on lines.
        self.assertTrue(self.project_acme.is_over_budget)
        self.assertEqual(self.project_acme.budget_hours_used, 14.0)

    def test_a_change_rechecks_the_employees_own_lines_only(self):
        """Cap of 12 h billed up to it. Bob 4 h, Ann 6 h then 4 h (2 h of it
        over the cap), Bob 2 h more (all over). Ann lowers her first line to
        2 h: her later line bills in full again (4 + 2 + 4 = 10 h); Bob's
        line keeps its 2 h out until his own next change."""
        self.project_acme.budget_hours = 0.0
        self.own_line(self.bob_user, 4.0, date(2026, 3, 5))
        first = self.own_line(self.timesheet_user, 6.0, date(2026, 3, 2))
        later = self.own_line(self.timesheet_user, 4.0, date(2026, 3, 4))
        self.assertEqual(later.budget_overflow_hours, 2.0)
        bobs = self.own_line(self.bob_user, 2.0, date(2026, 3, 6))
        self.assertEqual(bobs.budget_overflow_hours, 2.0)
        self.assertEqual(self.contract.consumed_hours, 12.0)
        first.with_user(self.timesheet_user).unit_amount = 2.0
        self.assertEqual(later.budget_overflow_hours, 0.0)
        self.assertEqual(later.billable_hours, 4.0)
        self.assertEqual(bobs.budget_overflow_hours, 2.0)
        self.assertEqual(bobs.billable_hours, 0.0)
        self.assertEqual(self.contract.consumed_hours, 10.0)

    def test_day_totals_are_the_employees_own(self):
        """10 h a day at most: Ann's 11 h flag both her lines of the day, not
        Bob's line of the same day."""
        self.project_acme.budget_hours = 0.0
        self.contract.cap_hours = 0.0
        bobs = self.own_line(self.bob_user, 9.0, date(2026, 3, 2))
        first = self.own_line(self.timesheet_user, 5.0, date(2026, 3, 2))
        second = self.own_line(self.timesheet_user, 6.0, date(2026, 3, 2))
        for line in first | second:
            self.assertIn("Ann Example logged 11 h on 2026-03-02", line.rule_warning)
        self.assertFalse(bobs.rule_warning)

    def test_a_recheck_counts_what_others_gave_up(self):
        """Project budget of 10 h billed up to it (no cap). Ann 6 h on Monday,
        Bob 6 h on Tuesday: 2 h of Bob's are kept out. Ann lowers her line to
        5 h: counted after Bob's 4 billed hours, it still fits (9 h), and is
        not cut again for the 2 h Bob already gave up."""
        self.contract.cap_hours = 0.0
        self.project_acme.budget_policy = "overflow"
        anns = self.own_line(self.timesheet_user, 6.0, date(2026, 3, 2))
        bobs = self.own_line(self.bob_user, 6.0, date(2026, 3, 3))
        self.assertEqual(bobs.budget_overflow_hours, 2.0)
        anns.with_user(self.timesheet_user).unit_amount = 5.0
        self.assertEqual(anns.budget_overflow_hours, 0.0)
        self.assertEqual(anns.billable_hours, 5.0)
        self.assertEqual(bobs.billable_hours, 4.0)

    def test_a_line_moved_away_rechecks_the_day_it_left(self):
        """Ann's 11 h flag her day (limit 10 h); her 6 h line goes to another
        day: both days are rechecked and clean."""
        self.project_acme.budget_hours = 0.0
        self.contract.cap_hours = 0.0
        stays = self.own_line(self.timesheet_user, 5.0, date(2026, 3, 2))
        moves = self.own_line(self.timesheet_user, 6.0, date(2026, 3, 2))
        self.assertTrue(stays.rule_warning)
        moves.with_user(self.timesheet_user).date = date(2026, 3, 3)
        self.assertFalse(stays.rule_warning)
        self.assertFalse(moves.rule_warning)

    def test_a_recheck_of_a_later_day_counts_its_whole_day(self):
        """10 h a day at most. On Thursday Ann logs 6 h on Acme ERP (with a
        budget) and 5 h on Acme Support: both flagged. A back-dated hour on
        Acme ERP rechecks her Thursday line of the budget, with its whole day
        (11 h), not only the lines of the budget."""
        self.contract.cap_hours = 0.0
        thursday = date(2026, 3, 5)
        erp = self.own_line(self.timesheet_user, 6.0, thursday)
        support = self.env["account.analytic.line"].with_user(self.timesheet_user)
        support = support.create(
            {
                "name": "Support",
                "project_id": self.project_acme_support.id,
                "date": thursday,
                "unit_amount": 5.0,
            }
        )
        for line in erp | support:
            self.assertIn("Ann Example logged 11 h on 2026-03-05", line.rule_warning)
        monday = self.own_line(self.timesheet_user, 1.0, date(2026, 3, 2))
        self.assertFalse(monday.rule_warning)
        self.assertIn("Ann Example logged 11 h on 2026-03-05", erp.rule_warning)

    def test_a_budget_rule_of_other_projects_flags_none_here(self):
        """The budget rule applies to Acme Support only: Acme ERP's overrun is
        not flagged by it."""
        self.contract.cap_hours = 0.0
        self.env["timesheet.billing.rule"].search([("rule_type", "=", "budget")]).write(
            {"project_ids": [(6, 0, self.project_acme_support.ids)]}
        )
        # Ann's support line of the day is rechecked with her Acme ERP line:
        # the rule runs for it, and must not flag the other one.
        self.env["account.analytic.line"].with_user(self.timesheet_user).create(
            {
                "name": "Support",
                "project_id": self.project_acme_support.id,
                "date": date(2026, 3, 3),
                "unit_amount": 1.0,
            }
        )
        self.own_line(self.timesheet_user, 8.0, date(2026, 3, 2))
        over = self.own_line(self.timesheet_user, 3.0, date(2026, 3, 3))  # 11 h
        self.assertTrue(self.project_acme.is_over_budget)
        self.assertFalse(over.rule_warning)

    def test_an_entry_counts_the_unsaved_change_of_another_line(self):
        """Project budget of 10 h billed up to it (no cap). Bob's 4 h line
        becomes 9 h in this transaction, not written to the database yet
        when Ann logs 3 h: her entry counts Bob's 9 h (2 h of hers over),
        not the 4 h the table still holds."""
        self.contract.cap_hours = 0.0
        self.project_acme.budget_policy = "overflow"
        bobs = self.own_line(self.bob_user, 4.0, date(2026, 3, 2))
        self.env.flush_all()
        bobs.with_user(self.bob_user).unit_amount = 9.0
        cache = self.env.cache
        self.assertTrue(cache.has_dirty_fields(bobs, [bobs._fields["unit_amount"]]))
        anns = self.own_line(self.timesheet_user, 3.0, date(2026, 3, 3))
        self.assertEqual(anns.budget_overflow_hours, 2.0)
        self.assertEqual(anns.billable_hours, 1.0)
        self.assertEqual(bobs.budget_overflow_hours, 0.0)

    @contextmanager
    def _statements(self):
        statements = []
        yield from self._patchExecute(statements, flush=True)

    def test_an_entry_writes_its_new_line_once(self):
        """The rules read the new line from memory: its computed columns and
        warnings reach the table in one UPDATE after the INSERT (a flush
        before the sums would write it twice)."""
        self.own_line(self.timesheet_user, 0.25, date(2026, 3, 3))
        self.env.flush_all()
        with self._statements() as statements:
            line = self.own_line(self.bob_user, 6.0, date(2026, 3, 3))
            line.invalidate_recordset()
        writes = [
            statement.split("(")[0].split(" SET")[0].strip()
            for statement in statements
            if '"account_analytic_line"' in statement.split("(")[0]
            and statement.lstrip().startswith(("INSERT", "UPDATE"))
        ]
        self.assertEqual(
            writes,
            ['INSERT INTO "account_analytic_line"', 'UPDATE "account_analytic_line"'],
        )

    def test_submit_my_week_writes_its_week_and_log_once(self):
        """Submitting creates the week and its log with their computed
        columns (end of the week, employee's user, company): an INSERT each,
        no UPDATE after."""
        self.own_line(self.timesheet_user, 8.0, date(2026, 3, 2))
        self.env.flush_all()
        with self._statements() as statements:
            Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
            self.assertEqual(Line.action_submit_my_week("2026-03-04"), 1)
        written = [
            statement.split("(")[0].split(" SET")[0].strip()
            for statement in statements
            if statement.lstrip().startswith(("INSERT", "UPDATE"))
            and "timesheet_billing_" in statement.split("(")[0]
        ]
        self.assertEqual(
            written,
            [
                'INSERT INTO "timesheet_billing_week"',
                'INSERT INTO "timesheet_billing_approval_log"',
            ],
        )
        week = self.env["timesheet.billing.week"].search(
            [("employee_id", "=", self.ann.id), ("date_start", "=", "2026-03-02")]
        )
        self.assertEqual(week.date_end, date(2026, 3, 8))
        self.assertEqual(week.user_id, self.timesheet_user)
        log = week.approval_log_ids
        self.assertEqual((log.employee_id, log.company_id), (self.ann, week.company_id))

    def _insert_copies(self, line, count):
        """``count`` copies of ``line`` by other employees over 20 days from
        its date, in one INSERT: a big project's history, as sums see it."""
        columns = [
            name
            for name, field in line._fields.items()
            if field.store
            and field.column_type
            and name not in ("id", "employee_id", "date")
        ]
        employees = self.env["hr.employee"].create(
            [{"name": f"Colleague {index}"} for index in range(20)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO account_analytic_line (employee_id, date, %(columns)s)
                SELECT (%(employees)s)[1 + mod(n, 20)], date + mod(n, 20),
                       %(columns)s
                  FROM account_analytic_line, generate_series(1, %(count)s) n
                 WHERE id = %(id)s
                """,
                columns=SQL(", ").join(SQL.identifier(name) for name in columns),
                employees=employees.ids,
                count=count,
                id=line.id,
            )
        )
        self.env.invalidate_all()

    def _entry_queries(self, day):
        """Queries of Ann's entry on ``day``, after one that warms the caches
        as a running server's are."""
        self.own_line(self.timesheet_user, 0.25, day)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.own_line(self.timesheet_user, 0.5, day)
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_one_entry_costs_the_same_at_100_and_10000_project_lines(self):
        history = self.own_line(self.bob_user, 0.25, date(2026, 3, 2))
        self._insert_copies(history, 99)
        small = self._entry_queries(date(2026, 3, 4))
        self._insert_copies(history, 9900)
        self.assertEqual(
            self.env["account.analytic.line"].search_count(
                [("project_id", "=", self.project_acme.id)]
            ),
            10002,
        )
        large = self._entry_queries(date(2026, 3, 5))
        self.assertEqual(large, small)


@tagged("post_install", "-at_install")
class TestEntriesAtOnce(CommittedConnections, TransactionCase):
    """Two employees log time on one project with a budget and a contract cap
    at the same moment, on two real database connections (each a request of
    Odoo's server): both commit, neither waits for the other's rows.

    A third line already takes the project to its budget: an entry that
    rechecked the whole project would flag it from both connections, the
    second waiting for the first's row lock, then failing to serialize.
    """

    def setUp(self):
        super().setUp()
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            group = env.ref("hr_timesheet.group_hr_timesheet_user")
            suffix = uuid.uuid4().hex[:8]
            users = env["res.users"].create(
                [
                    {
                        "name": f"At Once {name}",
                        "login": f"htb_at_once_{name}_{suffix}",
                        "company_id": company.id,
                        "company_ids": [(6, 0, company.ids)],
                        "groups_id": [(6, 0, group.ids)],
                    }
                    for name in ("ann", "bob")
                ]
            )
            partner = env["res.partner"].create({"name": f"At Once {suffix}"})
            project = env["project.project"].create(
                {
                    "name": f"At Once {suffix}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "budget_hours": 10.0,
                }
            )
            employees = env["hr.employee"].create(
                [
                    {
                        "name": user.name,
                        "user_id": user.id,
                        "company_id": company.id,
                        "tz": "UTC",
                    }
                    for user in users
                ]
            )
            tasks = env["project.task"].create(
                [
                    {"name": f"Task of {user.name}", "project_id": project.id}
                    for user in users
                ]
            )
            contract = env["timesheet.billing.contract"].create(
                {
                    "name": f"At Once {suffix}",
                    "partner_id": partner.id,
                    "project_ids": [(6, 0, project.ids)],
                    "date_start": date(2026, 1, 1),
                    "cap_hours": 12.0,
                    "budget_policy": "overflow",
                }
            )
            rule = env["timesheet.billing.rule"].create(
                {
                    "name": f"At Once {suffix}",
                    "rule_type": "budget",
                    "severity": "warn",
                    "company_id": company.id,
                    "project_ids": [(6, 0, project.ids)],
                }
            )
            ann, bob = employees
            lines = env["account.analytic.line"].create(
                [
                    self._vals(project, tasks[index], employee, day, hours)
                    for index, employee, day, hours in (
                        (0, ann, 2, 4.0),
                        (1, bob, 2, 4.0),
                        (1, bob, 6, 2.0),  # 10 h: the budget, to the hour
                    )
                ]
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "users": users.ids,
                "employees": employees.ids,
                "tasks": tasks.ids,
                "project": project.id,
                "partner": partner.id,
                "contract": contract.id,
                "rule": rule.id,
                "last": lines[-1].id,
            }
        self.addCleanup(self._remove_committed_data)

    @staticmethod
    def _vals(project, task, employee, day, hours):
        return {
            "name": "At once",
            "project_id": project.id,
            "task_id": task.id,
            "employee_id": employee.id,
            "date": date(2026, 3, day),
            "unit_amount": hours,
        }

    def _remove_committed_data(self):
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            project = env["project.project"].browse(self.ids["project"])
            lines = env["account.analytic.line"].search(
                [("project_id", "=", project.id)]
            )
            weeks = lines.week_id
            lines.unlink()
            weeks.unlink()
            env["timesheet.billing.rule"].browse(self.ids["rule"]).unlink()
            env["timesheet.billing.contract"].browse(self.ids["contract"]).unlink()
            env["project.task"].browse(self.ids["tasks"]).unlink()
            account = project.account_id
            project.unlink()
            account.unlink()
            env["hr.employee"].browse(self.ids["employees"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["res.users"].browse(self.ids["users"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _log(self, cr, index, day):
        """The employee ``index`` logs 1 h on their task, as their user."""
        env = api.Environment(cr, self.ids["users"][index], {})
        project = env["project.project"].browse(self.ids["project"])
        task = env["project.task"].browse(self.ids["tasks"][index])
        employee = env["hr.employee"].browse(self.ids["employees"][index])
        return env["account.analytic.line"].create(
            self._vals(project, task, employee, day, 1.0)
        )

    def test_two_employees_log_on_one_budget_at_once(self):
        with self._connection() as first, self._connection() as second:
            # A wait for the other's row lock fails at once instead of hanging.
            second.execute("SET LOCAL lock_timeout = '2s'")
            anns = self._log(first, 0, 3)  # uncommitted while Bob logs
            anns.env.flush_all()
            bobs = self._log(second, 1, 4)
            bobs.env.flush_all()
            second.commit()
            first.commit()
        with self._connection() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            project = env["project.project"].browse(self.ids["project"])
            lines = env["account.analytic.line"].search(
                [("project_id", "=", project.id)], order="date, id"
            )
            self.assertEqual(lines.mapped("unit_amount"), [4.0, 4.0, 1.0, 1.0, 2.0])
            self.assertEqual(project.budget_hours_used, 12.0)
            ann_new, bob_new, bob_last = lines[2:]
            self.assertEqual(bob_last.id, self.ids["last"])
            # Each entry saw the other employee's lines as logged before its
            # own: 8 h, then its employee's open lines in date order.
            self.assertIn(
                "budget of 10 h is exceeded (11 h logged)", ann_new.rule_warning
            )
            self.assertFalse(bob_new.rule_warning)  # 8 + 1 h
            # Bob's later line was rechecked by Bob's own entry only: 8 + 1 + 2.
            self.assertIn(
                "budget of 10 h is exceeded (11 h logged)", bob_last.rule_warning
            )
