from datetime import timedelta

from odoo import api, fields, models


class TimesheetBillingSubmitWeek(models.TransientModel):
    """Submit my week: the user's draft timesheets of one week."""

    _name = "timesheet.billing.submit.week"
    _description = "Submit My Week"

    day = fields.Date(
        string="Week of",
        required=True,
        default=fields.Date.context_today,
        help="Any day of the week to submit.",
    )
    date_start = fields.Date(compute="_compute_lines")
    date_end = fields.Date(compute="_compute_lines")
    line_ids = fields.Many2many(
        comodel_name="account.analytic.line", compute="_compute_lines"
    )
    line_count = fields.Integer(compute="_compute_lines")
    hours = fields.Float(compute="_compute_lines")

    @api.depends("day")
    def _compute_lines(self):
        Week = self.env["timesheet.billing.week"]
        Line = self.env["account.analytic.line"]
        for wizard in self:
            start = Week._week_start(wizard.day or fields.Date.context_today(self))
            wizard.date_start = start
            wizard.date_end = start + timedelta(days=6)
            # the lines its button submits
            wizard.line_ids = Line._get_my_week_to_submit(start)
            wizard.line_count = len(wizard.line_ids)
            wizard.hours = sum(wizard.line_ids.mapped("unit_amount"))

    def action_submit(self):
        self.ensure_one()
        count = self.env["account.analytic.line"].action_submit_my_week(self.day)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s timesheets submitted for approval.", count=count
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
