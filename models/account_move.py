from collections import defaultdict

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    timesheet_accrual_date = fields.Date(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This entry accrues the unbilled timesheets of that date (one per "
        "company and date).",
    )

    def _get_timesheet_annex_lines(self):
        """Timesheets the invoice bills, for its annex (dates in order). Read
        as superuser: whoever prints the invoice may not browse the projects."""
        self.ensure_one()
        return self.sudo().invoice_line_ids.timesheet_line_ids.sorted(
            lambda line: (line.date, line.employee_id.name or "", line.id)
        )

    def button_cancel(self):
        """A cancelled invoice gives its timesheets back, ready to invoice."""
        result = super().button_cancel()
        self.sudo().invoice_line_ids.timesheet_line_ids._release_from_invoice(
            self.env._("Invoice cancelled")
        )
        return result

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        credit_notes = posted.filtered(
            lambda move: move.move_type == "out_refund" and move.reversed_entry_id
        )
        if credit_notes:
            credit_notes.sudo()._release_credited_timesheets()
        return posted

    def _release_credited_timesheets(self):
        """Credit notes give back the hours they credit, and only those.

        Each credit note line is matched to the invoice line it credits (same
        product, label and price). All posted credit notes of an invoice are
        counted, minus what they already released, so posting a credit note
        again releases nothing more. The hours release the invoice line's
        timesheets, latest first, as long as a whole timesheet fits: hours still
        invoiced are never released, so never billed twice.
        """
        invoices = self.reversed_entry_id
        credit_notes = self.search(
            [
                ("reversed_entry_id", "in", invoices.ids),
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
            ]
        )
        credited = defaultdict(float)
        for credit_note in credit_notes:
            origin_lines = credit_note.reversed_entry_id.invoice_line_ids
            for line in credit_note.invoice_line_ids:
                origin = origin_lines.filtered(
                    lambda origin, line=line: (
                        origin.product_id == line.product_id
                        and origin.name == line.name
                        and origin.price_unit == line.price_unit
                    )
                )[:1]
                if origin:
                    credited[origin] += line.product_uom_id._compute_quantity(
                        line.quantity, origin.product_uom_id
                    )
        for origin, hours in credited.items():
            origin._release_credited_hours(hours - origin.timesheet_released_hours)
