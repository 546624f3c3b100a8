from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero


class TimesheetBillingAccrual(models.TransientModel):
    """Month-end accrual of unbilled work: a draft entry of the value of the
    time approved but not invoiced at a date, per project, and its reversal
    on the next day, which Odoo posts on its date."""

    _name = "timesheet.billing.accrual"
    _description = "Accrue Unbilled Timesheets"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Accrual Date",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        ),
        help="Time approved on or before this date and not invoiced is accrued; "
        "the reversal is dated the next day.",
    )
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        related="company_id.timesheet_accrual_journal_id",
    )
    account_id = fields.Many2one(
        comodel_name="account.account",
        related="company_id.timesheet_accrual_account_id",
    )
    amount = fields.Monetary(
        string="Value to Accrue",
        currency_field="currency_id",
        compute="_compute_amount",
    )

    @api.depends("company_id", "date")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard._get_accrued_values().values())

    def _get_accrued_lines_domain(self):
        """Timesheets accrued (hook): approved, with billable hours no invoice
        bills yet, on or before the date."""
        return [
            ("company_id", "=", self.company_id.id),
            ("project_id", "!=", False),
            ("billing_state", "=", "approved"),
            ("to_invoice_hours", ">", 0),
            ("date", "<=", self.date),
        ]

    def _get_accrued_values(self):
        """``{project: value in the company's currency at the date}``."""
        self.ensure_one()
        if not self.date:
            return {}
        company = self.company_id
        values = {}
        for project, currency, amount in (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                self._get_accrued_lines_domain(),
                ["project_id", "bill_currency_id"],
                ["to_invoice_amount:sum"],
            )
        ):
            converted = currency._convert(
                amount, company.currency_id, company, self.date
            )
            values[project] = values.get(project, 0.0) + converted
        return {
            project: value
            for project, value in values.items()
            if not float_is_zero(value, precision_rounding=company.currency_id.rounding)
        }

    def action_create_accrual(self):
        self.ensure_one()
        company = self.company_id
        if not (self.journal_id and self.account_id):
            raise UserError(
                self.env._(
                    "Set the accrual journal and account of %(company)s first "
                    "(Settings › Timesheet Billing › Accrual of Unbilled Work).",
                    company=company.name,
                )
            )
        # one accrual per company and month (the period it closes)
        first_day = self.date.replace(day=1)
        existing = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("timesheet_accrual_date", ">=", first_day),
                ("timesheet_accrual_date", "<", first_day + relativedelta(months=1)),
                ("state", "!=", "cancel"),
            ],
            limit=1,
        )
        if existing:
            raise UserError(
                self.env._(
                    "Unbilled work of %(company)s is already accrued for %(month)s "
                    "(at %(date)s): %(entry)s. Cancel or delete that entry to accrue "
                    "again.",
                    company=company.name,
                    month=first_day.strftime("%Y-%m"),
                    date=existing.timesheet_accrual_date,
                    entry=existing.display_name,
                )
            )
        values = self._get_accrued_values()
        if not values:
            raise UserError(
                self.env._(
                    "%(company)s has no approved time left to invoice on or before "
                    "%(date)s: nothing to accrue.",
                    company=company.name,
                    date=self.date,
                )
            )
        ref = self.env._("Accrued unbilled timesheets at %(date)s", date=self.date)
        accrual = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "company_id": company.id,
                    "journal_id": self.journal_id.id,
                    "date": self.date,
                    "ref": ref,
                    "timesheet_accrual_date": self.date,
                    "line_ids": [
                        Command.create(values)
                        for project, amount in sorted(
                            values.items(), key=lambda item: item[0].display_name
                        )
                        for values in self._prepare_accrual_line_vals(project, amount)
                    ],
                }
            )
        )
        # Its reversal is made when it is posted (account.move._post()): an
        # accrual left in draft never leaves a reversal posted on its own.
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accrual of Unbilled Work"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", accrual.ids)],
        }

    def _prepare_accrual_line_vals(self, project, amount):
        """Debit accrued revenue, credit the project's income account with its
        analytic distribution (hook)."""
        project = project.sudo()
        product = (
            project.invoice_product_id or self.company_id.timesheet_billing_product_id
        )
        income = product.product_tmpl_id.with_company(
            self.company_id
        )._get_product_accounts()["income"]
        if not income:
            raise UserError(
                self.env._(
                    "Project %(project)s: its invoiced service %(product)s has no "
                    "income account.",
                    project=project.display_name,
                    product=product.display_name,
                )
            )
        label = self.env._(
            "%(project)s: unbilled time at %(date)s",
            project=project.billing_code or project.name,
            date=self.date,
        )
        credit = {
            "name": label,
            "account_id": income.id,
            "credit": amount,
            "debit": 0.0,
        }
        if project.account_id:
            credit["analytic_distribution"] = {str(project.account_id.id): 100}
        return [
            {
                "name": label,
                "account_id": self.account_id.id,
                "debit": amount,
                "credit": 0.0,
            },
            credit,
        ]
