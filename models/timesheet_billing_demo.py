import math
from datetime import timedelta

from odoo import Command, api, fields, models

# What Marc Demo does each working day of the story: (project, task or None,
# description, hours).
STORY_DAY = (
    ("project_northwind_erp", "task_northwind_sales", "Sales and invoicing setup", 6.0),
    ("project_bergmann_maintenance", None, "Maintenance visit, line 3", 2.0),
)
STORY_WEEKS = 5
# the demo's "At most 10 hours a day" warning
MAX_DAY_HOURS = 10.0


class TimesheetBillingDemo(models.AbstractModel):
    """The demo database's story, played through the addon's own actions by
    the user whose job each step is, on dates relative to the day of the
    install: five past weeks of Marc Demo's time, each at a later stage of
    the flow, and the current week in draft."""

    _name = "timesheet.billing.demo"
    _description = "Timesheet Billing Demo Story"

    @api.model
    def _tell_story(self):
        ref = self.env.ref
        employee = ref("hr.employee_qdp")
        marc = employee.user_id
        lead = ref("hr_timesheet_billing.user_demo_lead")
        finance = ref("hr_timesheet_billing.user_demo_finance")
        accountant = ref("hr_timesheet_billing.user_demo_accountant")
        today = fields.Date.context_today(self)
        this_monday = today - timedelta(days=today.weekday())
        # hr_timesheet's demo logs time a day or two ahead, which the "No
        # future dates" rule refuses: nobody could submit this week.
        self.env["account.analytic.line"].search(
            [("project_id", "!=", False), ("date", ">", today)]
        ).unlink()
        weeks = {
            ago: self._log_week(employee, this_monday - timedelta(weeks=ago), today)
            for ago in range(STORY_WEEKS, -1, -1)
        }
        self._set_cap_near(ref("hr_timesheet_billing.contract_bergmann_package"))
        Line = self.env["account.analytic.line"]
        past = Line.union(*(weeks[ago] for ago in range(1, STORY_WEEKS + 1)))
        past.with_user(marc).action_submit()

        # Last week: one line back with Marc, the rest waits for the lead.
        rejected = weeks[1].filtered(lambda line: line.project_id.partner_id)[-1:]
        rejected.with_user(lead).action_reject(
            "Which machine did you service? Name it in the description."
        )
        # Two weeks ago: approved by the lead, waiting for finance where the
        # contract asks for it (Northwind).
        older = Line.union(*(weeks[ago] for ago in range(2, STORY_WEEKS + 1)))
        older.with_user(lead).action_approve()
        # Three weeks ago and before: approved by finance, ready to invoice.
        oldest = Line.union(*(weeks[ago] for ago in range(3, STORY_WEEKS + 1)))
        oldest.filtered(lambda line: line.billing_state == "lead_approved").with_user(
            finance
        ).action_approve()
        # Four and five weeks ago: invoiced and posted; Northwind has paid.
        invoiced_until = this_monday - timedelta(weeks=3, days=1)
        self._invoice_and_collect(accountant, invoiced_until)

    @api.model
    def _set_up_reverse_charge(self):
        """The demo's Foreign Customers fiscal position maps the company's
        sales tax to a 0 % reverse-charge copy, as its note says."""
        sales_tax = self.env.company.account_sale_tax_id
        if not sales_tax:
            return
        group = self.env["account.tax.group"].create(
            {"name": "Reverse charge", "country_id": sales_tax.country_id.id}
        )
        reverse_charge = sales_tax.copy(
            {
                "name": f"0% Reverse charge ({sales_tax.name})",
                "amount": 0.0,
                "tax_group_id": group.id,
            }
        )
        self.env.ref("hr_timesheet_billing.fiscal_position_foreign").tax_ids = [
            Command.create(
                {"tax_src_id": sales_tax.id, "tax_dest_id": reverse_charge.id}
            )
        ]

    @api.model
    def _set_up_month_end(self):
        """The accrual of unbilled work ready to run: the company's
        miscellaneous journal and an accrued revenue account."""
        company = self.env.company
        journal = self.env["account.journal"].search(
            [("type", "=", "general"), ("company_id", "=", company.id)], limit=1
        )
        account = self.env["account.account"].create(
            {
                "name": "Accrued Revenue (unbilled timesheets)",
                "code": "ACCRTS",
                "account_type": "asset_current",
            }
        )
        company.write(
            {
                "timesheet_accrual_journal_id": journal.id,
                "timesheet_accrual_account_id": account.id,
            }
        )

    def _log_week(self, employee, monday, today):
        """Marc's time of the week of ``monday``, up to today; Friday of last
        week left empty (the reminder tells him)."""
        # Odoo's own demo logs an hour or two here and there: a day keeps
        # under the 10-hour warning of the demo rules, or is left out.
        logged = self.env["account.analytic.line"]._read_group(
            [("employee_id", "=", employee.id), ("date", ">=", monday)],
            ["date:day"],
            ["unit_amount:sum"],
        )
        room = MAX_DAY_HOURS - sum(hours for *_, hours in STORY_DAY)
        taken = {day for day, hours in logged if hours > room}
        last_week = today - timedelta(days=today.weekday() + 7)
        days = [
            day
            for day in (monday + timedelta(days=offset) for offset in range(5))
            if day <= today
            and day not in taken
            and not (monday == last_week and day.weekday() == 4)
        ]
        ref = self.env.ref
        return (
            self.env["account.analytic.line"]
            .with_user(employee.user_id)
            .create(
                [
                    {
                        "date": day,
                        "project_id": ref(f"hr_timesheet_billing.{project}").id,
                        "task_id": task and ref(f"hr_timesheet_billing.{task}").id,
                        "name": name,
                        "unit_amount": hours,
                    }
                    for day in days
                    for project, task, name, hours in STORY_DAY
                ]
            )
        )

    def _set_cap_near(self, contract, share=0.9):
        """The contract's hour cap set so that its time uses ``share`` of it:
        the hours logged depend on the day of the install."""
        logged = sum(
            self.env["account.analytic.line"]
            .search([("contract_id", "=", contract.id)])
            .mapped("unit_amount")
        )
        contract.cap_hours = math.ceil(logged / share)

    def _invoice_and_collect(self, accountant, date_to):
        wizard = (
            self.env["timesheet.billing.invoice"]
            .with_user(accountant)
            .create({"date_to": date_to, "invoice_date": date_to})
        )
        shown = wizard.action_create_invoices()
        invoices = self.env["account.move"].search(
            shown.get("domain") or [("id", "=", shown.get("res_id"))]
        )
        invoices.with_user(accountant).action_post()
        northwind = self.env.ref("hr_timesheet_billing.partner_northwind")
        paid = invoices.filtered(lambda invoice: invoice.partner_id == northwind)
        self.env["account.payment.register"].with_user(accountant).with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": date_to + timedelta(days=10)})._create_payments()
