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
        # The ledger needs nothing here (what a timesheet has billed is read
        # from the documents' states); the audit trail says what changed.
        entries = self.sudo().line_ids.timesheet_entry_ids
        if not entries:
            return super().write(vals)
        before = {move.id: move.state for move in self}
        result = super().write(vals)
        # Recompute what the timesheets billed now: a change that would bill
        # one twice is refused here, by their constraint, naming them.
        entries.timesheet_id.mapped("invoiced_hours")
        entries.invalidate_recordset(["is_counted"])
        events = [
            (entry._get_billing_event(), entry)
            for entry in entries
            if counts(entry.sign, before[entry.move_id.id])
            != counts(entry.sign, entry.move_id.state)
        ]
        if events:
            self.env["timesheet.billing.approval.log"]._log_billing_events(events)
        return result
