import base64
import io
from ast import literal_eval
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestBillingAnalysis(AccountTestInvoicingCommon):
    """Acme ERP (partner_a, a monthly contract), Ann (senior, 100.00/h, cost
    40.00/h) and Bob (junior, 80.00/h, cost 30.00/h), led by Lea. Today is
    2026-04-02.

    | line | hours | value | cost | state |
    |---|---|---|---|---|
    | Ann 2026-03-02 | 8 | 800.00 | 320.00 | invoiced |
    | Bob 2026-03-03 | 5 | 400.00 | 150.00 | invoiced |
    | Ann 2026-03-10 | 4 | 400.00 | 160.00 | approved |
    | Bob 2026-01-15 | 2 | 160.00 | 60.00 | submitted |
    | Ann 2026-03-20 | 1 | 100.00 | 40.00 | draft |
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id += cls.env.ref(
            "hr_timesheet_billing.group_timesheet_billing_manager"
        )
        cls.lea = new_test_user(
            cls.env,
            login="htb_lea_analysis",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.other_lead = new_test_user(
            cls.env,
            login="htb_other_lead_analysis",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.ann_user = new_test_user(
            cls.env,
            login="htb_ann_analysis",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="htb_accountant_analysis",
            groups="base.group_user,account.group_account_invoice",
        )
        Role = cls.env["timesheet.billing.role"]
        senior = Role.create({"name": "Senior", "code": "SEN"})
        junior = Role.create({"name": "Junior", "code": "JUN"})
        cls.env["timesheet.billing.rate"].create(
            [
                {"role_id": senior.id, "hourly_rate": 100.0},
                {"role_id": junior.id, "hourly_rate": 80.0},
            ]
        )
        cls.ann = cls.env["hr.employee"].create(
            {
                "name": "Ann",
                "user_id": cls.ann_user.id,
                "billing_role_id": senior.id,
                "hourly_cost": 40.0,
                "tz": "UTC",
            }
        )
        cls.bob = cls.env["hr.employee"].create(
            {
                "name": "Bob",
                "billing_role_id": junior.id,
                "hourly_cost": 30.0,
                "tz": "UTC",
            }
        )
        cls.project = cls.env["project.project"].create(
            {
                "name": "Acme ERP",
                "partner_id": cls.partner_a.id,
                "user_id": cls.lea.id,
            }
        )
        cls.env["timesheet.billing.contract"].create(
            {
                "name": "Acme 2026",
                "partner_id": cls.partner_a.id,
                "project_ids": [Command.set(cls.project.ids)],
                "date_start": "2026-01-01",
                "invoicing_cycle": "monthly",
            }
        )

    def setUp(self):
        super().setUp()
        frozen = freeze_time("2026-04-02 10:00:00")
        frozen.start()
        self.addCleanup(frozen.stop)
        Line = self.env["account.analytic.line"]

        def log(employee, day, hours):
            return Line.create(
                {
                    "name": "Work",
                    "project_id": self.project.id,
                    "employee_id": employee.id,
                    "date": day,
                    "unit_amount": hours,
                }
            )

        invoiced = log(self.ann, date(2026, 3, 2), 8) | log(
            self.bob, date(2026, 3, 3), 5
        )
        approved = log(self.ann, date(2026, 3, 10), 4)
        (invoiced | approved).action_submit()
        (invoiced | approved).with_user(self.lea).action_approve()
        wizard = Form(self.env["timesheet.billing.invoice"].with_user(self.accountant))
        wizard.date_to = date(2026, 3, 5)
        wizard.save().action_create_invoices()
        log(self.bob, date(2026, 1, 15), 2).action_submit()
        log(self.ann, date(2026, 3, 20), 1)
        self.Analysis = self.env["timesheet.billing.analysis"]

    def totals(self, groupby, fields, user=None, domain=()):
        Analysis = self.Analysis.with_user(user) if user else self.Analysis
        return {
            group[groupby][1]
            if isinstance(group[groupby], tuple)
            else group[groupby]: {name: group[name] for name in fields}
            for group in Analysis.read_group(list(domain), fields, [groupby])
        }

    def test_profitability_per_project_and_employee(self):
        fields = [
            "hours",
            "billable_hours",
            "invoiced_amount",
            "cost",
            "margin",
            "margin_percent",
        ]
        by_project = self.totals("project_id", fields)
        # 20 h worked; invoiced 800 + 400; cost 13 h x 40 + 7 h x 30 = 730;
        # margin 470, 470 / 1,200 = 39.17 %
        self.assertEqual(
            {key: round(value, 2) for key, value in by_project["Acme ERP"].items()},
            {
                "hours": 20.0,
                "billable_hours": 20.0,
                "invoiced_amount": 1200.0,
                "cost": 730.0,
                "margin": 470.0,
                "margin_percent": 39.17,
            },
        )
        by_employee = self.totals(
            "employee_id", ["invoiced_amount", "cost", "margin_percent"]
        )
        # Ann: 800 invoiced, 13 h x 40 = 520, (800 - 520) / 800 = 35 %
        self.assertEqual(
            by_employee["Ann"],
            {"invoiced_amount": 800.0, "cost": 520.0, "margin_percent": 35.0},
        )
        # Bob: 400 invoiced, 7 h x 30 = 210, (400 - 210) / 400 = 47.5 %
        self.assertEqual(
            by_employee["Bob"],
            {"invoiced_amount": 400.0, "cost": 210.0, "margin_percent": 47.5},
        )
        by_customer = self.totals("partner_id", ["invoiced_amount"])
        self.assertEqual(
            by_customer[self.partner_a.display_name]["invoiced_amount"], 1200.0
        )
        # drill-down: the rows are the timesheet lines
        rows = self.Analysis.search([("employee_id", "=", self.ann.id)])
        self.assertEqual(
            set(rows.line_id.ids),
            set(
                self.env["account.analytic.line"]
                .search([("employee_id", "=", self.ann.id)])
                .ids
            ),
        )

    def test_unbilled_work_by_age_and_expected_invoice_date(self):
        unbilled = [("unbilled_amount", "!=", 0)]
        by_age = self.totals("age_bucket", ["unbilled_amount"], domain=unbilled)
        # Ann's approved 4 h of 2026-03-10 (23 days old): 400.00; Bob's
        # submitted 2 h of 2026-01-15 (77 days old): 160.00; drafts not counted
        self.assertEqual(
            by_age,
            {"0_30": {"unbilled_amount": 400.0}, "61_90": {"unbilled_amount": 160.0}},
        )
        rows = self.Analysis.search(unbilled)
        # monthly contract: invoiced on the 1st of the next month, never
        # before today (2026-04-02)
        self.assertEqual(set(rows.mapped("expected_invoice_date")), {date(2026, 4, 2)})
        # a manual contract gives no date
        self.project.contract_ids.invoicing_cycle = "manual"
        self.env.invalidate_all()
        self.assertFalse(
            any(self.Analysis.search(unbilled).mapped("expected_invoice_date"))
        )
        self.project.contract_ids.invoicing_cycle = "monthly"
        self.env.invalidate_all()
        invoiced = self.Analysis.search([("billing_state", "=", "invoiced")])
        self.assertEqual(len(invoiced), 2)
        self.assertFalse(any(invoiced.mapped("expected_invoice_date")))
        with freeze_time("2026-03-12 10:00:00"):
            self.env.invalidate_all()  # the figures of another day
            row = self.Analysis.search(
                [("line_id.date", "=", date(2026, 3, 10)), ("unbilled_amount", "!=", 0)]
            )
            self.assertEqual(row.expected_invoice_date, date(2026, 4, 1))
            self.assertEqual(row.age_bucket, "0_30")

    def test_access_own_figures_and_projects_led(self):
        own = self.Analysis.with_user(self.ann_user).search([])
        self.assertEqual(set(own.employee_id.ids), {self.ann.id})
        self.assertEqual(len(self.Analysis.with_user(self.lea).search([])), 5)
        self.assertFalse(self.Analysis.with_user(self.other_lead).search([]))
        ann_only = self.totals("project_id", ["invoiced_amount"], user=self.ann_user)
        self.assertEqual(ann_only["Acme ERP"]["invoiced_amount"], 800.0)

    # ----------------------------------------------------------- accrual

    def _set_up_accrual(self):
        """The company's accrual journal and accrued revenue account."""
        accrued = self.env["account.account"].create(
            {
                "name": "Accrued Revenue",
                "code": "116000",
                "account_type": "asset_current",
            }
        )
        self.env.company.write(
            {
                "timesheet_accrual_journal_id": self.company_data[
                    "default_journal_misc"
                ].id,
                "timesheet_accrual_account_id": accrued.id,
            }
        )

    def test_month_end_accrual_and_its_reversal(self):
        self._set_up_accrual()
        globex = self.env["project.project"].create(
            {
                "name": "Globex Audit",
                "partner_id": self.partner_b.id,
                "user_id": self.lea.id,
            }
        )
        bob_line = self.env["account.analytic.line"].create(
            {
                "name": "Audit",
                "project_id": globex.id,
                "employee_id": self.bob.id,
                "date": date(2026, 3, 11),
                "unit_amount": 3,
            }
        )
        bob_line.action_submit()
        bob_line.with_user(self.lea).action_approve()
        wizard = (
            self.env["timesheet.billing.accrual"]
            .with_user(self.accountant)
            .create({"date": date(2026, 3, 31)})
        )
        # Ann's approved 4 h x 100.00 on Acme ERP, Bob's 3 h x 80.00 on Globex;
        # Bob's submitted and Ann's draft time are not approved, the rest invoiced
        self.assertEqual(wizard.amount, 640.0)
        action = wizard.action_create_accrual()
        accrual = self.env["account.move"].search(action["domain"])
        self.assertTrue(accrual.timesheet_accrual_date)
        # no reversal before the accrual is posted: Odoo's auto-post would
        # post it alone on its date
        self.assertFalse(accrual.reversal_move_ids)
        accrual.with_user(self.accountant).action_post()
        reversal = accrual.reversal_move_ids
        product = self.env.company.timesheet_billing_product_id.product_tmpl_id
        income = product._get_product_accounts()["income"]
        self.assertEqual(
            (accrual.state, accrual.date, accrual.journal_id),
            ("posted", date(2026, 3, 31), self.company_data["default_journal_misc"]),
        )
        self.assertEqual(
            sorted(
                (
                    line.account_id.code,
                    line.debit,
                    line.credit,
                    line.analytic_distribution or {},
                )
                for line in accrual.line_ids
            ),
            sorted(
                [
                    ("116000", 400.0, 0.0, {}),
                    (income.code, 0.0, 400.0, {str(self.project.account_id.id): 100}),
                    ("116000", 240.0, 0.0, {}),
                    (income.code, 0.0, 240.0, {str(globex.account_id.id): 100}),
                ]
            ),
        )
        self.assertEqual(
            (reversal.state, reversal.date, reversal.auto_post),
            ("draft", date(2026, 4, 1), "at_date"),
        )
        self.assertEqual(reversal.reversed_entry_id, accrual)
        self.assertEqual(
            sorted(
                (line.account_id.code, line.debit, line.credit)
                for line in reversal.line_ids
            ),
            sorted(
                [
                    ("116000", 0.0, 400.0),
                    (income.code, 400.0, 0.0),
                    ("116000", 0.0, 240.0),
                    (income.code, 240.0, 0.0),
                ]
            ),
        )
        # never two accruals of the same date
        again = (
            self.env["timesheet.billing.accrual"]
            .with_user(self.accountant)
            .create({"date": date(2026, 3, 31)})
        )
        with self.assertRaisesRegex(
            UserError, "already accrued for 2026-03 \\(at 2026-03-31\\)"
        ):
            again.action_create_accrual()
        # nor two of the same month
        again.date = date(2026, 3, 30)
        with self.assertRaisesRegex(UserError, "already accrued for 2026-03"):
            again.action_create_accrual()
        # a month before Ann's and Bob's approved days: nothing to accrue
        early = (
            self.env["timesheet.billing.accrual"]
            .with_user(self.accountant)
            .create({"date": date(2026, 2, 28)})
        )
        self.assertEqual(early.amount, 0.0)
        with self.assertRaisesRegex(UserError, "nothing to accrue"):
            early.action_create_accrual()

    def test_accrual_taken_back_takes_its_reversal(self):
        """Reset to draft or cancelled before its reversal's date, an accrual
        withdraws the reversal Odoo would otherwise post alone."""
        self._set_up_accrual()
        wizard = (
            self.env["timesheet.billing.accrual"]
            .with_user(self.accountant)
            .create({"date": date(2026, 3, 31)})
        )
        accrual = self.env["account.move"].search(
            wizard.action_create_accrual()["domain"]
        )
        accrual = accrual.with_user(self.accountant)
        accrual.action_post()
        first = accrual.reversal_move_ids
        accrual.button_draft()
        self.assertEqual(first.state, "cancel")
        accrual.action_post()
        second = accrual.reversal_move_ids - first
        self.assertEqual((second.state, second.auto_post), ("draft", "at_date"))
        # posted (Odoo's auto-post on its date), the reversal keeps the accrual
        second.action_post()
        with self.assertRaisesRegex(UserError, "reset or cancel the reversal first"):
            accrual.button_draft()
        second.button_draft()
        accrual.button_draft()
        accrual.button_cancel()
        self.assertEqual((first | second).mapped("state"), ["cancel", "cancel"])

    # -------------------------------------------------- estimate vs actual

    def test_estimate_versus_actual(self):
        self.project.write({"budget_hours": 16.0, "budget_amount": 2000.0})
        # 20 h logged (all states) of 16: 125 %; billable value 800 + 400 +
        # 400 + 160 + 100 = 1,860.00 of 2,000.00: 93 %
        self.assertEqual(
            (
                self.project.budget_hours_used,
                self.project.budget_hours_percent,
                self.project.budget_amount_used,
                self.project.budget_amount_percent,
                self.project.is_over_budget,
            ),
            (20.0, 125.0, 1860.0, 93.0, True),
        )
        contract = self.project.contract_ids
        contract.write({"cap_hours": 40.0, "cap_amount": 1500.0})
        # 20 billable hours of 40: 50 %; 1,860.00 of 1,500.00: 124 %
        self.assertEqual(
            (
                contract.consumed_hours_percent,
                contract.consumed_amount_percent,
                contract.is_over_cap,
            ),
            (50.0, 124.0, True),
        )
        contract.cap_amount = 2000.0
        self.assertFalse(contract.is_over_cap)
        # the approver's reporting list shows it
        action = self.env.ref("hr_timesheet_billing.project_project_action_estimate")
        self.assertIn(
            self.project,
            self.env["project.project"]
            .with_user(self.lea)
            .search(literal_eval(action.domain)),
        )

    # ------------------------------------------ customer and project overviews

    def test_customer_and_project_overviews(self):
        for record in (self.project, self.partner_a):
            action = record.with_user(self.lea).action_view_billing_overview()
            by_state = {
                group["billing_state"]: (group["hours"], group["value"])
                for group in self.Analysis.with_user(self.lea).read_group(
                    action["domain"], ["hours", "value"], ["billing_state"]
                )
            }
            self.assertEqual(
                by_state,
                {
                    "invoiced": (13.0, 1200.0),
                    "approved": (4.0, 400.0),
                    "submitted": (2.0, 160.0),
                    "draft": (1.0, 100.0),
                },
            )
        action = self.partner_a.with_user(
            self.accountant
        ).action_view_timesheet_invoices()
        invoice = (
            self.env["account.move"].with_user(self.accountant).search(action["domain"])
        )
        self.assertEqual(len(invoice), 1)
        self.assertEqual(
            (
                invoice.move_type,
                invoice.state,
                invoice.amount_untaxed,
                invoice.payment_state,
            ),
            ("out_invoice", "draft", 1200.0, "not_paid"),
        )
        self.assertEqual(
            self.project.action_view_timesheet_invoices()["domain"], action["domain"]
        )

    # ------------------------------------------------------- files: XLSX, PDF

    def export(self, user=None, **values):
        Export = self.env["timesheet.billing.export"]
        wizard = (Export.with_user(user) if user else Export).create(values)
        action = wizard.action_export_xlsx()
        self.assertIn(
            f"/web/content/timesheet.billing.export/{wizard.id}/file/", action["url"]
        )
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))

    def test_weekly_overview_xlsx_and_pdf(self):
        book = self.export(
            report="weekly", date_from=date(2026, 3, 2), date_to=date(2026, 3, 22)
        )
        self.assertEqual(
            book.sheetnames,
            ["Ann 2026-03-02", "Ann 2026-03-09", "Ann 2026-03-16", "Bob 2026-03-02"],
        )
        ann = book["Ann 2026-03-09"]
        self.assertEqual(ann.freeze_panes, "B2")
        self.assertEqual(
            [cell.value for cell in ann[1]][:2], ["Project", datetime(2026, 3, 9)]
        )
        # Tuesday 10: 4 h on Acme ERP, approved
        self.assertEqual(
            [cell.value for cell in ann[2]],
            ["Acme ERP", 0, 4, 0, 0, 0, 0, 0, 4],
        )
        self.assertEqual(ann["A3"].value, "Total")
        self.assertEqual(ann["I3"].value, 4)
        self.assertEqual((ann["A5"].value, ann["B5"].value), ("Billable", 4))
        self.assertEqual((ann["A6"].value, ann["B6"].value), ("Billable %", 1))
        self.assertEqual(ann["B6"].number_format, "0.0%")
        self.assertEqual((ann["A7"].value, ann["B7"].value), ("Approved", 4))
        bob = book["Bob 2026-03-02"]
        self.assertEqual([cell.value for cell in bob[2]][:4], ["Acme ERP", 0, 5, 0])
        # the employee gets only their own weeks
        own = self.export(
            user=self.ann_user,
            report="weekly",
            date_from=date(2026, 3, 2),
            date_to=date(2026, 3, 22),
        )
        self.assertEqual(
            own.sheetnames, ["Ann 2026-03-02", "Ann 2026-03-09", "Ann 2026-03-16"]
        )
        wizard = self.env["timesheet.billing.export"].create(
            {
                "report": "weekly",
                "date_from": date(2026, 3, 2),
                "date_to": date(2026, 3, 8),
            }
        )
        report = self.env.ref("hr_timesheet_billing.action_report_weekly_overview")
        html, _kind = report._render_qweb_html(report.report_name, wizard.ids)
        self.assertIn(b"Acme ERP", html)
        self.assertIn(b"08:00", html)  # Ann's Monday
        self.assertIn(b"05:00", html)  # Bob's Tuesday
        # what the PDF is printed from: in tests Odoo renders reports as HTML
        # (wkhtmltopdf reads the styles from a running server)
        html, kind = report._render_qweb_pdf(report.report_name, wizard.ids)
        self.assertEqual(kind, "html")
        self.assertIn(b"(<span>100.0</span> %)", html)  # Ann's week all billable
        self.assertIn(b"<span>Invoiced</span>", html)
        # printing is for the weekly overview only
        wizard.report = "profitability"
        with self.assertRaisesRegex(UserError, "Only the weekly overview prints"):
            wizard.action_print_pdf()

    def test_profitability_xlsx(self):
        sheet = self.export(
            report="profitability",
            date_from=date(2026, 1, 1),
            date_to=date(2026, 3, 31),
        )["Profitability"]
        self.assertEqual(sheet.freeze_panes, "B2")
        self.assertEqual(
            [cell.value for cell in sheet[1]],
            [
                "Project",
                "Hours Worked",
                "Billable Hours",
                "Invoiced",
                "Cost",
                "Margin",
                "Margin %",
            ],
        )
        row = [cell.value for cell in sheet[2]]
        self.assertEqual(row[:6], ["Acme ERP", 20, 20, 1200, 730, 470])
        self.assertAlmostEqual(row[6], 470 / 1200)
        self.assertEqual(sheet["D2"].number_format, "#,##0.00")
        self.assertEqual(
            [cell.value for cell in sheet[3]][:6], ["Total", 20, 20, 1200, 730, 470]
        )

    def test_unbilled_xlsx(self):
        sheet = self.export(
            report="unbilled", date_from=date(2026, 1, 1), date_to=date(2026, 4, 2)
        )["Unbilled Work"]
        self.assertEqual(sheet.freeze_panes, "C2")
        self.assertEqual(
            [cell.value for cell in sheet[2]],
            [
                self.partner_a.display_name,
                "Acme ERP",
                400,
                0,
                160,
                0,
                560,
                datetime(2026, 4, 2),
            ],
        )
        self.assertEqual(
            [cell.value for cell in sheet[3]][:7], ["Total", None, 400, 0, 160, 0, 560]
        )

    def test_foreign_currency_value_at_the_rate_of_the_day(self):
        other = self.setup_other_currency("EUR")  # 2.0 per unit of ours since 2017
        globex = self.env["project.project"].create(
            {
                "name": "Globex Audit",
                "partner_id": self.partner_b.id,
                "user_id": self.lea.id,
            }
        )
        self.env["timesheet.billing.rate"].create(
            {
                "employee_id": self.bob.id,
                "project_id": globex.id,
                "hourly_rate": 50.0,
                "currency_id": other.id,
            }
        )
        line = self.env["account.analytic.line"].create(
            {
                "name": "Audit",
                "project_id": globex.id,
                "employee_id": self.bob.id,
                "date": date(2026, 3, 5),
                "unit_amount": 2,
            }
        )
        self.assertEqual((line.bill_amount, line.bill_currency_id), (100.0, other))
        row = self.Analysis.search([("line_id", "=", line.id)])
        # 100.00 in the other currency at 2.0: 50.00 of the company's; cost
        # 2 h x 30.00
        self.assertEqual(
            (row.value, row.cost, row.currency_id),
            (50.0, 60.0, self.env.company.currency_id),
        )
        self.env["res.currency.rate"].create(
            {
                "name": "2026-03-01",
                "rate": 4.0,
                "currency_id": other.id,
                "company_id": self.env.company.id,
            }
        )
        self.env.invalidate_all()
        self.assertEqual(self.Analysis.search([("line_id", "=", line.id)]).value, 25.0)
