import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from .timesheet_billing_approval_mixin import BILLING_STATES

BILLING_EVENTS = [
    ("approval", "Approval"),
    ("invoiced", "Invoiced"),
    ("credited", "Credited"),
    ("released", "Released"),
    ("rebilled", "Billed Again"),
    ("edited", "Changed while Pending"),
]


class TimesheetBillingApprovalLog(models.Model):
    """One transition of timesheet lines: who, when, from which state to which,
    and why; or one billing event of their hours (invoiced, credited, released,
    billed again) with the document. Written by the approval flow and the
    billing ledger only."""

    _name = "timesheet.billing.approval.log"
    _description = "Timesheet Approval Log"
    _order = "create_date desc, id desc"

    week_id = fields.Many2one(
        comodel_name="timesheet.billing.week",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    # computed before the INSERT: a new log is written once
    employee_id = fields.Many2one(
        related="week_id.employee_id", store=True, precompute=True
    )
    company_id = fields.Many2one(
        related="week_id.company_id", store=True, precompute=True
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    from_state = fields.Selection(selection=BILLING_STATES, readonly=True)
    to_state = fields.Selection(selection=BILLING_STATES, readonly=True)
    reason = fields.Text(readonly=True)
    event = fields.Selection(
        selection=BILLING_EVENTS,
        default="approval",
        required=True,
        readonly=True,
        help="Approval: a change of approval state. Invoiced: an invoice bills "
        "the hours. Credited: a posted credit note gives them back. Released: "
        "the invoice, or its line, was cancelled or deleted, or its quantity "
        "lowered. Billed Again: a cancelled invoice or a credit note was undone, "
        "or Reverse and create invoice bills them on a new invoice. Changed "
        "while Pending: an approver changed the hours, date, project or task "
        "of a submitted line (the old and new values are in the reason).",
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Document",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    # The ids of the lines that moved, in one JSON list: a relation table would
    # take a row (and two foreign-key checks) per line and transition, the
    # largest cost of approving a firm's month after the UPDATE of the lines.
    # Lines are found by it through a GIN index (init()).
    line_id_list = fields.Json(readonly=True, copy=False)
    line_ids = fields.Many2many(
        comodel_name="account.analytic.line",
        string="Timesheets",
        compute="_compute_line_ids",
    )
    line_count = fields.Integer(readonly=True)
    hours = fields.Float(readonly=True)

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            "timesheet_billing_approval_log_line_id_list_index",
            self._table,
            ["line_id_list jsonb_path_ops"],
            method="gin",
        )
        return result

    @api.depends("line_id_list")
    def _compute_line_ids(self):
        lines = self.env["account.analytic.line"]
        # Lines deleted since (drafts) are left out.
        existing = set(
            lines.sudo()
            .browse({line_id for log in self for line_id in log.line_id_list or []})
            .exists()
            .ids
        )
        for log in self:
            log.line_ids = lines.browse(
                [line_id for line_id in log.line_id_list or [] if line_id in existing]
            )

    @api.model
    def _log_billing_events(self, events):
        """Log billing events: ``events`` is ``[(event, ledger entry)]`` or
        ``[(event, ledger entry, hours)]`` (part of the entry's)."""
        self._write_billing_logs(
            (
                entry.timesheet_id.employee_id.id,
                entry.timesheet_id.date,
                entry.timesheet_id.company_id.id,
                event,
                entry.move_id.id,
                [entry.timesheet_id.id],
                part[0] if part and part[0] is not None else entry.hours,
            )
            for event, entry, *part in events
        )

    @api.model
    def _log_entries_in_bulk(self, entry_ids, event):
        """Log ``event`` for these ledger entries in one INSERT of one log per
        week and document, grouped in SQL: the invoicing of a whole firm's
        month at once. Their timesheets are approved, so in a week already;
        any that is not is logged the slow way."""
        self.env["account.analytic.line"].flush_model(["week_id"])
        self.env["account.move"].flush_model(["name"])
        # One statement: the logs of the entries whose timesheet is in a
        # week, and those that are not (logged below, the slow way).
        weekless = self.env.execute_query(
            SQL(
                """
                WITH billed AS (
                    SELECT entry.id, entry.move_id, entry.hours, line.id AS line_id,
                           line.week_id
                      FROM timesheet_billing_entry AS entry
                      JOIN account_analytic_line AS line
                        ON line.id = entry.timesheet_id
                     WHERE entry.id = ANY(%(ids)s)
                ), logged AS (
                    INSERT INTO timesheet_billing_approval_log
                           (week_id, employee_id, company_id, user_id, event,
                            move_id, reason, line_id_list, line_count, hours,
                            create_uid, create_date, write_uid, write_date)
                    SELECT week.id, week.employee_id, week.company_id, %(uid)s,
                           %(event)s, billed.move_id, NULLIF(move.name, '/'),
                           jsonb_agg(DISTINCT billed.line_id),
                           count(DISTINCT billed.line_id), sum(billed.hours),
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM billed
                      JOIN timesheet_billing_week AS week ON week.id = billed.week_id
                      JOIN account_move AS move ON move.id = billed.move_id
                  GROUP BY week.id, billed.move_id, move.name
                )
                SELECT id FROM billed WHERE week_id IS NULL
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                event=event,
                ids=list(entry_ids),
            )
        )
        self.invalidate_model()
        self.env["account.analytic.line"].invalidate_model(["approval_log_ids"])
        self.env["timesheet.billing.week"].invalidate_model(["approval_log_ids"])
        if weekless:
            entries = self.env["timesheet.billing.entry"].browse(
                [row[0] for row in weekless]
            )
            self._log_billing_events([(event, entry) for entry in entries])

    @api.model
    def _write_billing_logs(self, rows):
        """One log per week, event and document, with the hours and the lines;
        ``rows``: ``(employee id, day, company id, event, document id, line
        ids, hours)``."""
        Week = self.env["timesheet.billing.week"]
        groups = defaultdict(lambda: ([], []))
        keys = set()
        for employee_id, day, company_id, event, move_id, ids, hours in rows:
            week_start = Week._week_start(day)
            keys.add((employee_id, week_start, company_id))
            group_ids, group_hours = groups[employee_id, week_start, event, move_id]
            group_ids.extend(ids)
            group_hours.append(hours)
        if not groups:
            return
        weeks = Week._get_or_create_keys(keys)
        moves = self.env["account.move"].sudo().browse({key[3] for key in groups})
        names = {
            move.id: move.name if move.name and move.name != "/" else False
            for move in moves
        }
        self.sudo().create(
            [
                {
                    "week_id": weeks[employee_id, week_start].id,
                    "event": event,
                    "move_id": move_id,
                    "reason": names[move_id],
                    "line_id_list": sorted(set(ids)),
                    "line_count": len(set(ids)),
                    "hours": math.fsum(hours),
                }
                for (employee_id, week_start, event, move_id), (
                    ids,
                    hours,
                ) in groups.items()
            ]
        )

    @api.model
    def _logs_of_lines(self, line_ids):
        """``{line id: [log ids]}``, in the order of the logs, through the
        GIN index: one query for any number of lines."""
        self.flush_model(["line_id_list"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.id, array_agg(log.id ORDER BY log.id)
                  FROM unnest(%s::int[]) AS line(id)
                  JOIN %s AS log ON log.line_id_list @> jsonb_build_array(line.id)
              GROUP BY line.id
                """,
                list(line_ids),
                SQL.identifier(self._table),
            )
        )
        return dict(rows)
