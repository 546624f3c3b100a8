from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def button_cancel(self):
        """A cancelled invoice gives its timesheets back, ready to invoice."""
        result = super().button_cancel()
        self.sudo().invoice_line_ids.timesheet_line_ids._release_from_invoice(
            self.env._("Invoice cancelled")
        )
        return result
