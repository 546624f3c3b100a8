from collections import Counter
from datetime import date, timedelta

from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import TimesheetBillingSetupCommon

OUR_TABLES = (
    "timesheet_billing_rule",
    "timesheet_billing_rate",
    "timesheet_billing_assignment",
    "timesheet_billing_contract",
)


@tagged("post_install", "-at_install")
class TestBillingPerformance(TimesheetBillingSetupCommon):
    """Pricing timesheet lines costs a fixed number of queries, whatever their
    number: one look-up of the rate cards, one of the project roles."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.rate(80.0, role_id=cls.junior.id, partner_id=cls.globex.id)
        cls.rate(150.0, employee_id=cls.ann.id, project_id=cls.project_acme.id)
        cls.env["timesheet.billing.assignment"].create(
            {
                "project_id": cls.project_globex.id,
                "employee_id": cls.ann.id,
                "role_id": cls.consultant.id,
            }
        )
        cls.env["timesheet.billing.contract"].create(
            {
                "name": "Acme 2026",
                "partner_id": cls.acme.id,
                "project_ids": [(6, 0, cls.project_acme.ids)],
                "date_start": "2025-01-01",
            }
        )

    def _vals(self, count):
        projects = [self.project_acme, self.project_globex, self.project_fixed]
        employees = [self.ann, self.bob]
        return [
            {
                "name": f"Work {index}",
                "project_id": projects[index % 3].id,
                "employee_id": employees[index % 2].id,
                # two lines a day at most per employee, all in the past
                "date": date(2025, 1, 1) + timedelta(days=index // 4),
                "unit_amount": 0.25 * (index % 8 + 1),
            }
            for index in range(count)
        ]

    def _create(self, count):
        """Create ``count`` lines as an approver; return the lines and the
        number of queries that read our tables."""
        vals = self._vals(count)
        Line = self.env["account.analytic.line"].with_user(self.approver)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertLogs("odoo.sql_db", level="DEBUG") as logs:
            lines = Line.create(vals)
            self.env.flush_all()
        ours = Counter(
            table
            for line in logs.output
            for table in OUR_TABLES
            if f'"{table}"' in line or f" {table} " in line
        )
        return lines, ours

    def test_pricing_queries_do_not_grow_with_lines(self):
        self._create(1)  # the active rules are cached, as in a running server
        _few, ours_for_few = self._create(10)
        many, ours_for_many = self._create(1000)
        self.assertEqual(ours_for_few, ours_for_many)
        self.assertEqual(ours_for_many["timesheet_billing_rate"], 1)
        self.assertEqual(ours_for_many["timesheet_billing_rule"], 1)  # fields
        self.assertEqual(ours_for_many["timesheet_billing_assignment"], 1)
        # Line i: project i % 3, employee i % 2, so six cases repeat:
        #   0 Ann/Acme ERP: her project card, 150.00   (167 lines)
        #   1 Bob/Globex: junior card for Globex, 80.00 (167 lines)
        #   2, 5 Acme Website: fixed price              (167 + 166 lines)
        #   3 Bob/Acme ERP: junior, no card             (167 lines)
        #   4 Ann/Globex: consultant there, no card     (166 lines)
        many = many.sudo()
        by_reason = {
            reason: count
            for reason, count in self.env["account.analytic.line"]._read_group(
                [("id", "in", many.ids)], ["non_billable_reason"], ["__count"]
            )
        }
        self.assertEqual(by_reason, {False: 334, "project_type": 333, "no_rate": 333})
        self.assertEqual(
            set(many.filtered("is_billable").mapped("bill_rate")), {150.0, 80.0}
        )
        first = many[0]  # Ann, Acme ERP, 0.25 h: 0.25 x 150.00 = 37.50
        self.assertEqual((first.bill_rate, first.bill_amount), (150.0, 37.5))
        self.assertEqual(first.contract_id.name, "Acme 2026")

    def test_batch_of_1000_lines_query_count(self):
        """1,000 lines, logged in one batch: Odoo writes them by 100 rows
        (INSERT and UPDATE batches); pricing and the logging rules add no
        query per line."""
        vals = self._vals(1000)
        Line = self.env["account.analytic.line"].with_user(self.approver)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=62):
            Line.create(vals)
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestApprovalPerformance(TimesheetBillingSetupCommon):
    """Approving is set-based: 5,000 lines in one call cost the queries 500 do:
    each check is one search over the selection, the transition one grouped
    SELECT and one UPDATE."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.lead = new_test_user(
            cls.env,
            login="htb_perf_lead",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.project_acme.user_id = cls.lead

    def _submitted(self, count, monday):
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Line {index}",
                    "project_id": self.project_acme.id,
                    "employee_id": self.ann.id,
                    "date": monday + timedelta(days=index % 5),
                    "unit_amount": 0.01,
                }
                for index in range(count)
            ]
        )
        lines.with_user(self.timesheet_user).action_submit()
        return lines

    def _approve_queries(self, lines):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        lines.with_user(self.lead).action_approve()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_approve_5000_lines(self):
        warm_up = self._submitted(5, date(2026, 2, 23))
        few = self._submitted(500, date(2026, 3, 2))
        many = self._submitted(5000, date(2026, 3, 9))
        self._approve_queries(warm_up)  # Odoo's caches: rules, groups, views
        queries_for_few = self._approve_queries(few)
        queries_for_many = self._approve_queries(many)
        self.assertEqual(set(many.mapped("billing_state")), {"approved"})
        self.assertTrue(all(many.mapped("bill_rate_frozen")))
        # 10 times the lines, the same queries: every check is one search
        # over the selected lines, the transition one grouped SELECT and one
        # UPDATE.
        self.assertEqual(queries_for_many, queries_for_few)
        self.assertLessEqual(queries_for_many, 22)
        log = many.approval_log_ids.filtered(lambda log: log.to_state == "approved")
        self.assertEqual((log.line_count, log.hours), (5000, 50.0))

    def _weeks_of_lines(self, weeks, first_monday):
        return self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Week {week}",
                    "project_id": self.project_acme.id,
                    "employee_id": employee.id,
                    "date": first_monday + timedelta(weeks=week),
                    "unit_amount": 1.0,
                }
                for week in range(weeks)
                for employee in (self.ann, self.bob)
            ]
        )

    def _queries(self, method, lines, user):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        getattr(lines.with_user(user), method)()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_submit_and_approve_do_not_grow_with_weeks(self):
        """A firm's month is hundreds of employee weeks: one activity, one
        note and one UPDATE per week would be thousands of queries."""
        few = self._weeks_of_lines(2, date(2026, 1, 5))
        many = self._weeks_of_lines(12, date(2026, 3, 2))
        counts = {
            name: [
                self._queries(method, lines, user)
                for lines in (few, many)  # 4 employee weeks, then 24
            ]
            for name, method, user in (
                # a billing manager submits for the employees: the lead who
                # approves may not have submitted them (separation of duties)
                ("submit", "action_submit", self.billing_manager),
                ("approve", "action_approve", self.lead),
            )
        }
        for name, (for_few, for_many) in counts.items():
            self.assertLessEqual(for_many - for_few, 2, f"{name}: {counts}")
        self.assertEqual(len(many.week_id), 24)
        self.assertEqual(len(many.week_id.approval_log_ids), 48)  # submitted, approved
        self.assertFalse(many.week_id.activity_ids)


@tagged("post_install", "-at_install")
class TestOpenLinesIndex(TimesheetBillingSetupCommon):
    """Years of invoiced time are not read to find the lines still open."""

    def _plan(self, domain):
        query = (
            self.env["account.analytic.line"].sudo()._search(domain, order="date, id")
        )
        # On a test table any plan is cheap: forbid the sequential scan, and
        # the plain index on the date (as cheap as any on a few rows, so the
        # planner's pick would depend on the database's statistics), to see
        # which index the planner can use for the query.
        self.env.cr.execute("SET enable_seqscan = off")
        self.addCleanup(self.env.cr.execute, "RESET enable_seqscan")
        with self.env.cr.savepoint(flush=False) as savepoint:
            self.env.cr.execute("DROP INDEX account_analytic_line__date_index")
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            savepoint.rollback()
        return plan

    def test_ready_to_invoice_and_to_approve_use_the_partial_index(self):
        wizard = self.env["timesheet.billing.invoice"].create(
            {"date_to": date(2026, 3, 31)}
        )
        # Either partial index serves it: the lines to invoice, or all open.
        self.assertRegex(
            self._plan(
                self.env["timesheet.billing.invoicing"]._get_invoiceable_domain(
                    wizard._get_request()
                )
            ),
            "account_analytic_line_(to_invoice|billing_open)_index",
        )
        self.assertIn(
            "account_analytic_line_billing_open_index",
            self._plan(
                [
                    ("company_id", "=", self.env.company.id),
                    ("billing_state", "in", ("submitted", "lead_approved")),
                ]
            ),
        )

    def test_the_partial_index_holds_open_lines_only(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes"
            " WHERE indexname = 'account_analytic_line_billing_open_index'"
        )
        definition = self.env.cr.fetchone()[0]
        self.assertIn("(company_id, date)", definition)
        self.assertIn("'approved'", definition)
        self.assertNotIn("'invoiced'", definition)
        self.assertNotIn("'draft'", definition)
