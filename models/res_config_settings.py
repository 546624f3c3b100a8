from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    timesheet_billing_product_id = fields.Many2one(
        related="company_id.timesheet_billing_product_id",
        readonly=False,
    )
    timesheet_lock_date = fields.Date(
        related="company_id.timesheet_lock_date",
        readonly=False,
    )
    timesheet_finance_approval = fields.Boolean(
        related="company_id.timesheet_finance_approval",
        readonly=False,
    )
    timesheet_same_approver_both_stages = fields.Boolean(
        related="company_id.timesheet_same_approver_both_stages",
        readonly=False,
    )
    timesheet_invoice_annex = fields.Boolean(
        related="company_id.timesheet_invoice_annex",
        readonly=False,
    )
    timesheet_reminder_missing_hours = fields.Boolean(
        related="company_id.timesheet_reminder_missing_hours",
        readonly=False,
    )
    timesheet_reminder_period = fields.Selection(
        related="company_id.timesheet_reminder_period",
        readonly=False,
    )
    timesheet_reminder_tolerance = fields.Float(
        related="company_id.timesheet_reminder_tolerance",
        readonly=False,
    )
    timesheet_reminder_approvals = fields.Boolean(
        related="company_id.timesheet_reminder_approvals",
        readonly=False,
    )
    timesheet_approval_delay_days = fields.Integer(
        related="company_id.timesheet_approval_delay_days",
        readonly=False,
    )
    timesheet_accrual_journal_id = fields.Many2one(
        related="company_id.timesheet_accrual_journal_id",
        readonly=False,
    )
    timesheet_accrual_account_id = fields.Many2one(
        related="company_id.timesheet_accrual_account_id",
        readonly=False,
    )

    def action_send_timesheet_reminders(self):
        self.execute()  # the settings on screen count
        return self.env["timesheet.billing.reminder"].action_send_now()
