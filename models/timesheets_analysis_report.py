from odoo import api, fields, models

from .account_analytic_line import NON_BILLABLE_REASONS
from .timesheet_billing_approval_mixin import BILLING_STATES


class TimesheetsAnalysisReport(models.Model):
    """hr_timesheet's Timesheets report, with the approval and billing of each
    line.

    Odoo's report search views (hr_timesheet's, and sale_timesheet's when Sales
    is installed) are built on hr_timesheet's timesheet search view, which this
    addon extends with its filters: every field those filters name must exist
    here too, or the report's views fail to load (and sale_timesheet fails to
    install after this addon)."""

    _inherit = "timesheets.analysis.report"

    billing_state = fields.Selection(
        selection=BILLING_STATES, string="Approval", readonly=True
    )
    rejection_reason = fields.Text(readonly=True)
    is_billable = fields.Boolean(string="Billable", readonly=True)
    non_billable_reason = fields.Selection(
        selection=NON_BILLABLE_REASONS, string="Why Not Billable", readonly=True
    )
    billable_hours = fields.Float(readonly=True)
    needs_attention = fields.Boolean(readonly=True)
    billing_role_id = fields.Many2one(
        comodel_name="timesheet.billing.role", readonly=True
    )
    contract_id = fields.Many2one(
        comodel_name="timesheet.billing.contract", readonly=True
    )
    invoice_line_id = fields.Many2one(comodel_name="account.move.line", readonly=True)
    invoiced_hours = fields.Float(string="Hours Invoiced", readonly=True)
    to_invoice_hours = fields.Float(string="Hours to Invoice", readonly=True)
    invoice_id = fields.Many2one(
        comodel_name="account.move", string="Customer Invoice", readonly=True
    )
    can_approve = fields.Boolean(
        string="Mine to Approve",
        compute="_compute_can_approve",
        search="_search_can_approve",
    )

    @api.model
    def _select(self):
        return (
            super()._select()
            + """,
            A.billing_state AS billing_state,
            A.rejection_reason AS rejection_reason,
            A.is_billable AS is_billable,
            A.non_billable_reason AS non_billable_reason,
            A.billable_hours AS billable_hours,
            A.needs_attention AS needs_attention,
            A.billing_role_id AS billing_role_id,
            A.contract_id AS contract_id,
            A.invoice_line_id AS invoice_line_id,
            A.invoiced_hours AS invoiced_hours,
            A.to_invoice_hours AS to_invoice_hours,
            A.invoice_id AS invoice_id
        """
        )

    @api.depends_context("uid")
    def _compute_can_approve(self):
        # a report row is its timesheet line (same id)
        lines = self.env["account.analytic.line"].browse(self.ids)
        mine = set(lines.filtered("can_approve").ids)
        for row in self:
            row.can_approve = row.id in mine

    def _search_can_approve(self, operator, value):
        lines = self.env["account.analytic.line"]._search(
            [("can_approve", operator, value)]
        )
        return [("id", "in", lines)]
