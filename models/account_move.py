from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

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

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._reverse_timesheet_accruals()
        return posted

    def _reverse_timesheet_accruals(self):
        """A posted accrual of unbilled work is reversed the next day: the
        reversal is made now, in draft, and Odoo posts it on its date."""
        accruals = self.filtered(
            lambda move: (
                move.timesheet_accrual_date
                and move.state == "posted"
                and not move.reversal_move_ids.filtered(
                    lambda reversal: reversal.state != "cancel"
                )
            )
        )
        for accrual in accruals:
            accrual._reverse_moves(
                [
                    {
                        "date": accrual.date + timedelta(days=1),
                        "ref": self.env._("Reversal of: %(ref)s", ref=accrual.ref),
                        "auto_post": "at_date",
                        "timesheet_accrual_date": False,
                    }
                ]
            )

    def button_draft(self):
        self._withdraw_timesheet_accrual_reversals()
        return super().button_draft()

    def button_cancel(self):
        self._withdraw_timesheet_accrual_reversals()
        return super().button_cancel()

    def _withdraw_timesheet_accrual_reversals(self):
        """An accrual taken back (reset or cancelled) takes its reversal, not
        yet posted, with it: Odoo would post it alone on its date. Once the
        reversal is posted, the accrual stays as it is (its reversal undoes
        it in the books)."""
        reversals = self.filtered("timesheet_accrual_date").reversal_move_ids
        posted = reversals.filtered(lambda reversal: reversal.state == "posted")
        if posted:
            raise UserError(
                self.env._(
                    "%(accrual)s is already reversed by %(reversal)s, posted: "
                    "reset or cancel the reversal first.",
                    accrual=posted[0].reversed_entry_id.display_name,
                    reversal=posted[0].display_name,
                )
            )
        pending = reversals.filtered(lambda reversal: reversal.state == "draft")
        if pending:
            pending.button_cancel()

    def _timesheet_billing_sign(self):
        """1 for the documents that bill timesheets, -1 for those crediting
        them (the sign of their ledger entries)."""
        self.ensure_one()
        return -1 if self.move_type == "out_refund" else 1
