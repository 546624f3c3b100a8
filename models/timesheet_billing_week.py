from datetime import timedelta

from odoo import api, fields, models


class TimesheetBillingWeek(models.Model):
    """An employee's week of timesheets: where its submissions, approvals and
    rejections are recorded, discussed and notified."""

    _name = "timesheet.billing.week"
    _description = "Timesheet Week"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, employee_id"
    _check_company_auto = True
    # Employees and approvers discuss a week they can read.
    _mail_post_access = "read"

    employee_id = fields.Many2one(
        comodel_name="hr.employee",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    # computed before the INSERT: a new week is written once
    user_id = fields.Many2one(
        related="employee_id.user_id", store=True, precompute=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, index=True, readonly=True
    )
    date_start = fields.Date(string="Week of", required=True, readonly=True)
    date_end = fields.Date(compute="_compute_date_end", store=True, precompute=True)
    line_ids = fields.One2many(
        comodel_name="account.analytic.line",
        inverse_name="week_id",
        string="Timesheets",
        readonly=True,
    )
    approval_log_ids = fields.One2many(
        comodel_name="timesheet.billing.approval.log",
        inverse_name="week_id",
        readonly=True,
    )
    total_hours = fields.Float(compute="_compute_hours")
    approved_hours = fields.Float(compute="_compute_hours")
    pending_hours = fields.Float(compute="_compute_hours")

    _sql_constraints = [
        (
            "employee_week_uniq",
            "unique(employee_id, date_start)",
            "An employee has one record per week.",
        ),
    ]

    @api.depends("date_start")
    def _compute_date_end(self):
        for week in self:
            week.date_end = week.date_start + timedelta(days=6)

    @api.depends("line_ids.unit_amount", "line_ids.billing_state")
    def _compute_hours(self):
        groups = self.env["account.analytic.line"]._read_group(
            [("week_id", "in", self.ids)],
            ["week_id", "billing_state"],
            ["unit_amount:sum"],
        )
        hours = {}
        for week, state, total in groups:
            hours.setdefault(week, {})[state] = total
        for week in self:
            by_state = hours.get(week, {})
            week.total_hours = sum(by_state.values())
            week.approved_hours = by_state.get("approved", 0.0) + by_state.get(
                "invoiced", 0.0
            )
            week.pending_hours = by_state.get("submitted", 0.0) + by_state.get(
                "lead_approved", 0.0
            )

    @api.depends("employee_id", "date_start")
    def _compute_display_name(self):
        for week in self:
            year, number, _day = week.date_start.isocalendar()
            week.display_name = self.env._(
                "%(employee)s, week %(year)s-W%(week)02d",
                employee=week.employee_id.name,
                year=year,
                week=number,
            )

    @api.model
    def _week_start(self, day):
        """Monday of ``day``'s week."""
        return day - timedelta(days=day.weekday())

    @api.model
    def _get_or_create_keys(self, keys):
        """The weeks of ``keys`` (``{(employee id, monday, company id)}``),
        created where missing: ``{(employee id, monday): week}``.

        Two queries whatever the number of keys.
        """
        if not keys:
            return {}
        # Weeks are shared records written by the approval flow, not by hand.
        weeks = self.sudo().search_fetch(
            [
                ("employee_id", "in", list({key[0] for key in keys})),
                ("date_start", "in", list({key[1] for key in keys})),
            ],
            ["employee_id", "date_start"],
        )
        known = {(week.employee_id.id, week.date_start): week for week in weeks}
        missing = [key for key in keys if key[:2] not in known]
        if missing:
            # no "created" message: the approval log tells the week's history
            created = (
                self.sudo()
                .with_context(mail_create_nolog=True)
                .create(
                    [
                        {
                            "employee_id": employee,
                            "date_start": day,
                            "company_id": company,
                        }
                        for employee, day, company in missing
                    ]
                )
            )
            known.update(
                {(week.employee_id.id, week.date_start): week for week in created}
            )
        return {key[:2]: known[key[:2]] for key in keys}
