from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .timesheet_billing_invoicing import ENGINE_WRITING

# The documents whose lines count: an invoice bills its hours until it is
# cancelled (a draft invoice already holds them: nothing bills them twice
# meanwhile), a credit note gives them back once it is posted.
COUNTED_SQL = """
    CASE WHEN entry.sign > 0 AND move.state != 'cancel' THEN entry.hours
         WHEN entry.sign < 0 AND move.state = 'posted' THEN -entry.hours
         ELSE 0 END
"""


def counts(sign, move_state):
    """Whether an entry of ``sign`` bills (or credits) its hours while its
    document is in ``move_state``: the Python twin of COUNTED_SQL."""
    return move_state != "cancel" if sign > 0 else move_state == "posted"


class TimesheetBillingEntry(models.Model):
    """The billing ledger: the hours of one timesheet that one line of a
    customer invoice bills, or of a credit note credits.

    What a timesheet has billed is computed from these entries and the state
    of their documents, never kept on the timesheet: cancelling, resetting,
    posting, deleting or reversing a document cannot disagree with it. Entries
    are written by the invoicing engine and by the credit notes and copies of
    an invoice's lines, and go away with the document line they belong to.
    """

    _name = "timesheet.billing.entry"
    _description = "Timesheet Billing Entry"
    _order = "id"
    _check_company_auto = True

    timesheet_id = fields.Many2one(
        comodel_name="account.analytic.line",
        required=True,
        readonly=True,
        index=True,
        # A timesheet that was ever billed stays (its unlink refuses, naming
        # the document).
        ondelete="restrict",
    )
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Document Line",
        required=True,
        readonly=True,
        index=True,
        # Deleting a draft invoice, or one of its lines, gives the hours back.
        ondelete="cascade",
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id",
        string="Document",
        store=True,
        index=True,
        precompute=True,
    )
    company_id = fields.Many2one(
        related="move_line_id.company_id", store=True, precompute=True
    )
    currency_id = fields.Many2one(related="move_line_id.currency_id")
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer"
    )
    move_state = fields.Selection(related="move_id.state", string="Document Status")
    hours = fields.Float(
        required=True,
        readonly=True,
        help="Hours of the timesheet this document line bills or credits.",
    )
    sign = fields.Integer(
        compute="_compute_sign",
        store=True,
        precompute=True,
        help="1 on a customer invoice, -1 on a credit note.",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        precompute=True,
        help="The hours at the document line's price, in the document's "
        "currency; negative on a credit note.",
    )
    is_counted = fields.Boolean(
        string="In Force",
        compute="_compute_is_counted",
        help="The document bills (invoice not cancelled) or credits (credit "
        "note posted) these hours now.",
    )

    _sql_constraints = [
        ("hours_positive", "CHECK (hours > 0)", "A billing entry bills some hours."),
    ]

    @api.depends("move_line_id.move_id.move_type")
    def _compute_sign(self):
        for entry in self:
            entry.sign = (
                -1 if entry.move_line_id.move_id.move_type == "out_refund" else 1
            )

    @api.depends("hours", "sign", "move_line_id.price_unit", "move_line_id.discount")
    def _compute_amount(self):
        for entry in self:
            line = entry.move_line_id
            price = line.price_unit * (1 - (line.discount or 0.0) / 100)
            amount = entry.sign * entry.hours * price
            entry.amount = (
                line.currency_id.round(amount) if line.currency_id else amount
            )

    @api.depends("sign", "move_id.state")
    def _compute_is_counted(self):
        for entry in self:
            entry.is_counted = counts(entry.sign, entry.move_id.state)

    @api.constrains("timesheet_id", "move_line_id")
    def _check_document(self):
        """Customer invoices and credit notes of the timesheet's company only."""
        for entry in self:
            move = entry.move_line_id.move_id
            if (
                move.move_type not in ("out_invoice", "out_refund")
                or entry.timesheet_id.company_id != move.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(document)s cannot bill the timesheet of %(employee)s of "
                        "%(date)s: only a customer invoice or credit note of its "
                        "company can.",
                        document=move.display_name,
                        employee=entry.timesheet_id.employee_id.name,
                        date=entry.timesheet_id.date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        entries = super().create(vals_list)
        events = [
            (entry._get_billing_event(created=True), entry)
            for entry in entries
            if entry.is_counted
        ]
        if events:
            self.env["timesheet.billing.approval.log"]._log_billing_events(events)
        return entries

    @api.model
    def _create_in_bulk(self, vals_list):
        """The invoicing engine's entries (``timesheet_id``, ``move_line_id``,
        ``hours``) in one INSERT, their document, sign and amount computed in
        it as _compute_sign() and _compute_amount() do: the ORM's create costs
        about a millisecond an entry, and a firm's month is tens of thousands.
        The timesheets are marked for the ORM to recompute what they billed,
        but while the engine writes (it writes that in its own UPDATE); the
        event is logged."""
        if not vals_list:
            return self.browse()
        self.env["account.move.line"].flush_model(
            ["move_id", "company_id", "currency_id", "price_unit", "discount"]
        )
        self.env["account.move"].flush_model(["move_type", "company_id"])
        self.env["account.analytic.line"].flush_model(["company_id"])
        # One statement: the entries, and whether each bills a customer
        # document of its timesheet's company (_check_document()).
        rows = self.env.execute_query(
            SQL(
                """
                WITH given AS (
                    SELECT given.timesheet_id, given.move_line_id, line.move_id,
                           line.company_id, given.hours, sign.value AS sign,
                           ROUND((sign.value * given.hours * line.price_unit
                                  * (1 - COALESCE(line.discount, 0) / 100))::numeric
                                 / currency.rounding::numeric)
                           * currency.rounding::numeric AS amount,
                           (move.move_type NOT IN ('out_invoice', 'out_refund')
                            OR move.company_id != timesheet.company_id) AS wrong
                      FROM unnest(%(timesheets)s::int[], %(lines)s::int[],
                                  %(hours)s::float8[])
                           AS given(timesheet_id, move_line_id, hours)
                      JOIN account_move_line AS line ON line.id = given.move_line_id
                      JOIN account_move AS move ON move.id = line.move_id
                      JOIN res_currency AS currency ON currency.id = line.currency_id
                      JOIN account_analytic_line AS timesheet
                        ON timesheet.id = given.timesheet_id
                     CROSS JOIN LATERAL (
                           SELECT CASE WHEN move.move_type = 'out_refund' THEN -1
                                       ELSE 1 END AS value
                     ) AS sign
                ), inserted AS (
                    INSERT INTO timesheet_billing_entry
                           (timesheet_id, move_line_id, move_id, company_id, hours,
                            sign, amount, create_uid, create_date, write_uid,
                            write_date)
                    SELECT timesheet_id, move_line_id, move_id, company_id, hours,
                           sign, amount, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM given
                 RETURNING id, timesheet_id, move_line_id
                )
                SELECT inserted.id, given.wrong
                  FROM inserted
                  JOIN given USING (timesheet_id, move_line_id)
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                timesheets=[vals["timesheet_id"] for vals in vals_list],
                lines=[vals["move_line_id"] for vals in vals_list],
                hours=[vals["hours"] for vals in vals_list],
            )
        )
        entries = self.browse(dict.fromkeys(entry_id for entry_id, _wrong in rows))
        wrong = [entry_id for entry_id, is_wrong in rows if is_wrong]
        if wrong:
            self.browse(min(wrong))._check_document()
        timesheets = self.env["account.analytic.line"].browse(
            {vals["timesheet_id"] for vals in vals_list}
        )
        self.env["account.move.line"].invalidate_model(["timesheet_entry_ids"])
        timesheets.invalidate_recordset(["billing_entry_ids"])
        if not ENGINE_WRITING.get():
            timesheets.modified(["billing_entry_ids"])
        self.env["timesheet.billing.approval.log"]._log_entries_in_bulk(
            entries.ids, "invoiced"
        )
        return entries

    def _get_billing_event(self, created=False):
        """The event of the audit trail this entry makes by coming into force
        (``created``: by being written), or going out of it."""
        self.ensure_one()
        if self.sign < 0:
            return "credited" if self.is_counted else "rebilled"
        if not self.is_counted:
            return "released"
        if created and not self.move_line_id.timesheet_source_line_id:
            return "invoiced"
        return "rebilled"

    def _log_release(self, hours=None):
        """Log the hours these entries stop billing (all of them, or
        ``hours`` of one), before they go."""
        events = [
            ("released", entry, hours)
            for entry in self
            if entry.sign > 0 and entry.is_counted
        ]
        if events:
            self.env["timesheet.billing.approval.log"]._log_billing_events(events)

    def unlink(self):
        self._log_release()
        return super().unlink()

    @api.model
    def _billed_hours(self, timesheet_ids):
        """``{timesheet id: net hours billed}``: hours on invoices not
        cancelled minus hours on posted credit notes, in one query."""
        self.flush_model(["timesheet_id", "move_id", "hours", "sign"])
        self.env["account.move"].flush_model(["state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT entry.timesheet_id, sum(%s)
                  FROM timesheet_billing_entry AS entry
                  JOIN account_move AS move ON move.id = entry.move_id
                 WHERE entry.timesheet_id = ANY(%s)
              GROUP BY entry.timesheet_id
                """,
                SQL(COUNTED_SQL),
                list(timesheet_ids),
            )
        )
        return dict(rows)
