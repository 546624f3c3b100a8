from collections import defaultdict

from odoo import fields, models

from .timesheet_billing_entry import counts


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

    def write(self, vals):
        if "state" not in vals:
            return super().write(vals)
        before = {move.id: move.state for move in self}
        result = super().write(vals)
        # The documents whose lines now bill, or credit, their timesheets'
        # hours, or stop doing so (an invoice cancelled or restored, a credit
        # note posted or undone). Posting an invoice changes nothing: its
        # timesheets are neither read nor rewritten, however many they are.
        flipped = self.filtered(
            lambda move: (
                counts(move._timesheet_billing_sign(), before[move.id])
                != counts(move._timesheet_billing_sign(), move.state)
            )
        )
        entries = flipped.sudo().line_ids.timesheet_entry_ids
        if entries:
            timesheets = entries.timesheet_id
            # What they billed is recomputed from the ledger and the states
            # now; a change that would bill one twice is refused here, by
            # their constraint, naming them.
            timesheets.modified(["billing_entry_ids"])
            timesheets.mapped("invoiced_hours")
            entries.invalidate_recordset(["is_counted"])
            # One event per document (its entries share their sign and
            # state), logged in one INSERT each: cancelling a month's invoice
            # logs thousands of timesheets at once.
            by_event = defaultdict(list)
            for entry in entries:
                by_event[entry._get_billing_event()].append(entry.id)
            Log = self.env["timesheet.billing.approval.log"]
            for event, entry_ids in by_event.items():
                Log._log_entries_in_bulk(entry_ids, event)
        return result

    def _timesheet_billing_sign(self):
        """1 for the documents that bill timesheets, -1 for those crediting
        them (the sign of their ledger entries)."""
        self.ensure_one()
        return -1 if self.move_type == "out_refund" else 1
