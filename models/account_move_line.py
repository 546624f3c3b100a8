import math

from odoo import api, fields, models
from odoo.tools import float_compare


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    timesheet_line_ids = fields.One2many(
        comodel_name="account.analytic.line",
        inverse_name="invoice_line_id",
        string="Timesheets",
        readonly=True,
        copy=False,
    )
    timesheet_released_hours = fields.Float(
        readonly=True,
        copy=False,
        help="Hours of this invoice line's timesheets that credit notes released.",
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

    def _release_credited_hours(self, hours):
        """Release this line's timesheets, latest first, as long as a whole
        timesheet fits in the ``hours`` newly credited."""
        self.ensure_one()
        released = self.env["account.analytic.line"]
        remaining = hours
        for timesheet in self.timesheet_line_ids.sorted(
            lambda line: (line.date, line.id), reverse=True
        ):
            if float_compare(timesheet.billable_hours, remaining, 2) > 0:
                break
            released |= timesheet
            remaining -= timesheet.billable_hours
        if released:
            self.timesheet_released_hours += math.fsum(
                released.mapped("billable_hours")
            )
            credited = f"{hours:g}"
            released._release_from_invoice(
                self.env._("Credited: %(hours)s h", hours=credited)
            )

    def unlink(self):
        # A draft invoice, or one of its lines, deleted: its timesheets are
        # ready to invoice again.
        timesheets = self.sudo().timesheet_line_ids
        result = super().unlink()
        timesheets.exists()._release_from_invoice(self.env._("Invoice line deleted"))
        return result
