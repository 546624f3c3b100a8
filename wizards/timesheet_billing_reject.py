from odoo import api, fields, models
from odoo.exceptions import UserError


class TimesheetBillingReject(models.TransientModel):
    """Reject timesheets, with the reason their employees will read."""

    _name = "timesheet.billing.reject"
    _description = "Reject Timesheets"

    line_ids = fields.Many2many(
        comodel_name="account.analytic.line", string="Timesheets", required=True
    )
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") != "account.analytic.line":
            raise UserError(self.env._("Open this from the timesheets to reject."))
        lines = self.env["account.analytic.line"].browse(
            self.env.context.get("active_ids", [])
        )
        if not lines:
            raise UserError(self.env._("Select the timesheets to reject."))
        values["line_ids"] = [fields.Command.set(lines.ids)]
        return values

    def action_reject(self):
        self.ensure_one()
        self.line_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
