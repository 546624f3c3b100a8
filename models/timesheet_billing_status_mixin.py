from odoo import api, fields, models

from .billing_states import LOCKED_STATES
from .timesheet_billing_approval_mixin import APPROVER_GROUP

PAID_STATES = ("paid", "in_payment")
# Timesheet revenue is for the people who approve and bill it: approvers
# (Finance and billing managers are approvers too).
REVENUE_READERS = APPROVER_GROUP


class TimesheetBillingStatusMixin(models.AbstractModel):
    """Value of a record's timesheets: approved but not invoiced, invoiced,
    paid; in the company's currency. Used by projects and customers."""

    _name = "timesheet.billing.status.mixin"
    _description = "Timesheet Billing Status"

    timesheet_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_timesheet_billing_status"
    )
    timesheet_to_invoice_amount = fields.Monetary(
        groups=REVENUE_READERS,
        string="Approved, to Invoice",
        currency_field="timesheet_currency_id",
        compute="_compute_timesheet_billing_status",
    )
    timesheet_invoiced_amount = fields.Monetary(
        groups=REVENUE_READERS,
        string="Invoiced",
        currency_field="timesheet_currency_id",
        compute="_compute_timesheet_billing_status",
    )
    timesheet_paid_amount = fields.Monetary(
        groups=REVENUE_READERS,
        string="Paid",
        currency_field="timesheet_currency_id",
        compute="_compute_timesheet_billing_status",
    )

    def _timesheet_status_domain(self):
        """Domain of the timesheets of these records (hook)."""
        raise NotImplementedError

    def _timesheet_status_groupby(self):
        """The timesheet field the values are grouped by (hook)."""
        raise NotImplementedError

    def _timesheet_status_key(self, group):
        """The record a group's value belongs to (hook)."""
        raise NotImplementedError

    @api.depends_context("company")
    def _compute_timesheet_billing_status(self):
        company = self.env.company
        totals = {
            record: {"to_invoice": 0.0, "invoiced": 0.0, "paid": 0.0} for record in self
        }
        # Amounts for the managers and accountants who see these forms; the
        # lines themselves may belong to projects they do not browse.
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    *self._timesheet_status_domain(),
                    # the companies the user works in now, not all of them
                    ("company_id", "in", self.env.companies.ids),
                    ("is_billable", "=", True),
                    ("billing_state", "in", LOCKED_STATES),
                ],
                [
                    self._timesheet_status_groupby(),
                    "bill_currency_id",
                    "invoice_id",
                ],
                ["bill_amount:sum", "to_invoice_amount:sum"],
            )
        )
        today = fields.Date.context_today(self)
        for key, currency, invoice, amount, to_invoice in groups:
            record = self._timesheet_status_key(key)
            if record not in totals or not currency:
                continue

            def convert(value, currency=currency):
                return currency._convert(value, company.currency_id, company, today)

            # What is left to invoice of a line, the ledger says; the rest of
            # its value is billed (a line partly credited counts in both).
            totals[record]["to_invoice"] += convert(to_invoice)
            invoiced = convert(amount - to_invoice)
            totals[record]["invoiced"] += invoiced
            if invoice.payment_state in PAID_STATES:
                totals[record]["paid"] += invoiced
        for record in self:
            record.timesheet_currency_id = company.currency_id
            record.timesheet_to_invoice_amount = totals[record]["to_invoice"]
            record.timesheet_invoiced_amount = totals[record]["invoiced"]
            record.timesheet_paid_amount = totals[record]["paid"]

    def _billing_overview_domain(self):
        """Domain of the billing analysis rows of this record (hook)."""
        raise NotImplementedError

    def action_view_billing_overview(self):
        """Hours and amounts of this record's timesheets per approval state,
        in the billing analysis (drill down to the lines)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%(name)s: Billing Overview", name=self.display_name),
            "res_model": "timesheet.billing.analysis",
            "view_mode": "pivot,list,graph",
            "domain": self._billing_overview_domain(),
            "context": {
                "pivot_row_groupby": ["billing_state"],
                "pivot_column_groupby": [],
                "pivot_measures": [
                    "hours",
                    "billable_hours",
                    "value",
                    "invoiced_amount",
                    "unbilled_amount",
                ],
            },
        }

    def action_view_timesheet_invoices(self):
        """The customer invoices that bill this record's timesheets: number,
        date, amount and payment status."""
        self.ensure_one()
        invoices = [
            invoice.id
            for (invoice,) in self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [*self._timesheet_status_domain(), ("invoice_id", "!=", False)],
                ["invoice_id"],
            )
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%(name)s: Timesheet Invoices", name=self.display_name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("account.view_out_invoice_tree").id, "list"),
                (False, "form"),
            ],
            "domain": [("id", "in", invoices)],
            "context": {"default_move_type": "out_invoice", "create": False},
        }
