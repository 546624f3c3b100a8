from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    timesheet_line_ids = fields.One2many(
        comodel_name="account.analytic.line",
        inverse_name="invoice_line_id",
        string="Timesheets",
        readonly=True,
        copy=False,
    )
    timesheet_hours = fields.Float(
        compute="_compute_timesheet_hours",
        help="Billable hours of the timesheets this line bills.",
    )

    @api.depends("timesheet_line_ids.billable_hours")
    def _compute_timesheet_hours(self):
        hours = dict(
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("invoice_line_id", "in", self.ids)],
                ["invoice_line_id"],
                ["billable_hours:sum"],
            )
        )
        for line in self:
            line.timesheet_hours = hours.get(line, 0.0)

    def unlink(self):
        # A draft invoice, or one of its lines, deleted: its timesheets are
        # ready to invoice again.
        timesheets = self.sudo().timesheet_line_ids
        result = super().unlink()
        timesheets.exists()._release_from_invoice(self.env._("Invoice line deleted"))
        return result
