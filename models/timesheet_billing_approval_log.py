from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

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
    # The ids of the lines that moved, in one JSON list: a relation table would
    # take a row (and two foreign-key checks) per line and transition, the
    # largest cost of approving a firm's month after the UPDATE of the lines.
    # Lines are found by it through a GIN index (init()).
    line_id_list = fields.Json(readonly=True, copy=False)
    line_ids = fields.Many2many(
        comodel_name="account.analytic.line",
        string="Timesheets",
        compute="_compute_line_ids",
    )
    line_count = fields.Integer(readonly=True)
    hours = fields.Float(readonly=True)

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            "timesheet_billing_approval_log_line_id_list_index",
            self._table,
            ["line_id_list jsonb_path_ops"],
            method="gin",
        )
        return result

    @api.depends("line_id_list")
    def _compute_line_ids(self):
        lines = self.env["account.analytic.line"]
        # Lines deleted since (drafts) are left out.
        existing = set(
            lines.sudo()
            .browse({line_id for log in self for line_id in log.line_id_list or []})
            .exists()
            .ids
        )
        for log in self:
            log.line_ids = lines.browse(
                [line_id for line_id in log.line_id_list or [] if line_id in existing]
            )

    @api.model
    def _logs_of_lines(self, line_ids):
        """``{line id: [log ids]}``, in the order of the logs, through the
        GIN index: one query for any number of lines."""
        self.flush_model(["line_id_list"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.id, array_agg(log.id ORDER BY log.id)
                  FROM unnest(%s::int[]) AS line(id)
                  JOIN %s AS log ON log.line_id_list @> jsonb_build_array(line.id)
              GROUP BY line.id
                """,
                list(line_ids),
                SQL.identifier(self._table),
            )
        )
        return dict(rows)
