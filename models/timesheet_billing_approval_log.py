from odoo import fields, models
from odoo.tools import SQL

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

    def _link_lines(self, line_ids_per_log):
        """Link each log to its lines (``[[line id, ...], ...]``, in the order
        of the logs) in one INSERT: the ORM would insert a month of a whole
        firm's timesheets row by row into the relation, in Python."""
        log_ids = [
            log.id
            for log, line_ids in zip(self, line_ids_per_log, strict=True)
            for _line_id in line_ids
        ]
        if not log_ids:
            return
        line_ids = [line_id for line_ids in line_ids_per_log for line_id in line_ids]
        relation = self._fields["line_ids"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int[], %s::int[])",
                SQL.identifier(relation.relation),
                SQL.identifier(relation.column1),
                SQL.identifier(relation.column2),
                log_ids,
                line_ids,
            )
        )
        self.invalidate_recordset(["line_ids"])
        self.env["account.analytic.line"].browse(line_ids).invalidate_recordset(
            ["approval_log_ids"]
        )
