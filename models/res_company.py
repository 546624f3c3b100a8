from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_timesheet_billing_product(self):
        return self.env.ref(
            "hr_timesheet_billing.product_product_billable_time",
            raise_if_not_found=False,
        )

    timesheet_billing_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Default Timesheet Product",
        default=lambda self: self._default_timesheet_billing_product(),
        domain="[('type', '=', 'service'), ('company_id', 'in', [id, False])]",
        check_company=True,
        help="Service product invoiced for approved hours when a project names "
        "none: it carries the income account and the taxes of the invoice lines.",
    )
    timesheet_lock_date = fields.Date(
        help="No timesheet may be logged or changed on or before this date "
        "(rule: No entries on or before the lock date).",
    )
    timesheet_finance_approval = fields.Boolean(
        string="Finance Approval of Timesheets",
        help="Timesheets approved by the project lead are approved by Finance too "
        "before they can be invoiced (a contract can decide otherwise).",
    )
    timesheet_same_approver_both_stages = fields.Boolean(
        string="One Person May Give Both Approvals",
        help="For small firms: the lead who gave a timesheet's first approval may "
        "give its Finance approval too. Off, two people approve it.",
    )
    timesheet_invoice_annex = fields.Boolean(
        string="Timesheet Annex on Invoices",
        help="Print, after the invoice lines, the timesheets they bill: date, "
        "employee, task, description and hours.",
    )
    timesheet_reminder_missing_hours = fields.Boolean(
        string="Remind Missing Hours",
        help="Remind employees who logged fewer hours than their working schedule "
        "expects in the last period (public holidays and time off taken out).",
    )
    timesheet_reminder_period = fields.Selection(
        selection=[("day", "Day"), ("week", "Week")],
        string="Reminder Period",
        default="week",
        required=True,
        help="Day: the reminder of each morning checks yesterday. Week: the "
        "first reminder of the week checks last week, Monday to Sunday.",
    )
    timesheet_reminder_tolerance = fields.Float(
        string="Reminder Tolerance",
        default=0.5,
        help="Hours an employee may be short in the period without a reminder.",
    )
    timesheet_reminder_approvals = fields.Boolean(
        string="Approval Digests",
        help="Send each approver one message listing the submissions waiting "
        "for them longer than the delay.",
    )
    timesheet_approval_delay_days = fields.Integer(
        string="Approval Delay (days)",
        default=3,
        help="Submissions waiting this many days or more appear in the digests.",
    )
    timesheet_accrual_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Accrual Journal",
        domain="[('type', '=', 'general'), ('company_id', '=', id)]",
        help="Journal of the month-end accrual of unbilled timesheets.",
    )
    timesheet_accrual_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Accrued Revenue Account",
        domain="[('account_type', 'in', ('asset_current', 'asset_receivable'))]",
        help="Debited by the accrual of unbilled timesheets (the projects' income "
        "accounts are credited).",
    )

    _sql_constraints = [
        (
            "timesheet_reminder_tolerance_positive",
            "CHECK(timesheet_reminder_tolerance >= 0)",
            "The reminder tolerance cannot be negative.",
        ),
        (
            "timesheet_approval_delay_positive",
            "CHECK(timesheet_approval_delay_days >= 0)",
            "The approval delay cannot be negative.",
        ),
    ]
