from odoo import fields, models

from .timesheet_billing_approval_mixin import BILLING_STATES


class TimesheetBillingApprovalLog(models.Model):
    """One transition of timesheet lines: who, when, from which state to which,
    and why. Written by the approval flow only."""

    _name = "timesheet.billing.approval.log"
    _description = "Timesheet Approval Log"
    _order = "create_date desc, id desc"

    week_id = fields.Many2one(
        comodel_name="timesheet.billing.week",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    employee_id = fields.Many2one(related="week_id.employee_id", store=True)
    company_id = fields.Many2one(related="week_id.company_id", store=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    from_state = fields.Selection(selection=BILLING_STATES, readonly=True)
    to_state = fields.Selection(selection=BILLING_STATES, readonly=True)
    reason = fields.Text(readonly=True)
    line_ids = fields.Many2many(
        comodel_name="account.analytic.line",
        relation="timesheet_billing_approval_log_line_rel",
        column1="log_id",
        column2="line_id",
        string="Timesheets",
        readonly=True,
    )
    line_count = fields.Integer(readonly=True)
    hours = fields.Float(readonly=True)
