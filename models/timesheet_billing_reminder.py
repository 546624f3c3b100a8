import logging
import threading
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare, format_date
from odoo.tools.misc import split_every

from .billing_states import PENDING_STATES

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "hr_timesheet_billing.group_timesheet_billing_manager"
FINANCE_GROUP = "hr_timesheet_billing.group_timesheet_billing_finance"


class TimesheetBillingReminder(models.Model):
    """A reminder sent: missing hours to an employee for a period, or the
    submissions waiting for an approver. One per employee and period (or
    approver and day): the key makes a second run send nothing new."""

    _name = "timesheet.billing.reminder"
    _description = "Timesheet Reminder"
    _order = "date_from desc, id desc"

    kind = fields.Selection(
        selection=[
            ("missing_hours", "Missing Hours"),
            ("approval_digest", "Approvals Waiting"),
        ],
        required=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, index=True
    )
    employee_id = fields.Many2one(
        comodel_name="hr.employee", readonly=True, index="btree_not_null"
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Sent To",
        required=True,
        readonly=True,
        index=True,
    )
    date_from = fields.Date(string="Period Start", required=True, readonly=True)
    date_to = fields.Date(string="Period End", required=True, readonly=True)
    expected_hours = fields.Float(readonly=True)
    logged_hours = fields.Float(readonly=True)
    missing_hours = fields.Float(readonly=True)
    details = fields.Html(readonly=True, sanitize=False)  # built by the code
    key = fields.Char(required=True, readonly=True, copy=False)

    _sql_constraints = [
        (
            "key_unique",
            "unique(key)",
            "A reminder was already sent for this person and period.",
        )
    ]

    @api.depends("kind", "user_id", "date_from", "date_to")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"].selection)
        for reminder in self:
            reminder.display_name = self.env._(
                "%(kind)s: %(user)s, %(start)s → %(end)s",
                kind=kinds.get(reminder.kind, ""),
                user=reminder.user_id.name,
                start=reminder.date_from,
                end=reminder.date_to,
            )

    # ------------------------------------------------------------- running

    @api.model
    def _cron_send_reminders(self, batch_size=200):
        """Both reminders, for every company that switched them on."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search(
            [
                "|",
                ("timesheet_reminder_missing_hours", "=", True),
                ("timesheet_reminder_approvals", "=", True),
            ]
        )
        for company in companies:
            if company.timesheet_reminder_missing_hours:
                self._send_missing_hours(company, today, batch_size)
            if company.timesheet_reminder_approvals:
                self._send_approval_digests(company, today)

    @api.model
    def action_send_now(self):
        """The "Send Reminders Now" button of the settings (managers)."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only billing managers may send the timesheet reminders "
                    "(%(user)s is not one).",
                    user=self.env.user.name,
                )
            )
        last = self.sudo().search([], order="id desc", limit=1).id or 0
        self.sudo()._cron_send_reminders()
        sent = self.sudo().search_count([("id", ">", last)])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s reminders sent.", count=sent),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------- missing hours

    @api.model
    def _get_reminder_period(self, company, today):
        """The last completed period before ``today``: yesterday, or last week
        (Monday to Sunday)."""
        if company.timesheet_reminder_period == "day":
            day = today - timedelta(days=1)
            return day, day
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)

    @api.model
    def _get_reminded_employees_domain(self, company):
        """Employees reminded of missing hours: active, with a user and a
        working schedule (hook)."""
        return [
            ("company_id", "=", company.id),
            ("user_id", "!=", False),
            ("resource_calendar_id", "!=", False),
        ]

    @api.model
    def _send_missing_hours(self, company, today, batch_size=200):
        date_from, date_to = self._get_reminder_period(company, today)
        employees = self.env["hr.employee"].search(
            self._get_reminded_employees_domain(company)
        )
        reminded = set(
            self.search(
                [
                    ("kind", "=", "missing_hours"),
                    ("date_from", "=", date_from),
                    ("employee_id", "in", employees.ids),
                ]
            ).employee_id.ids
        )
        todo = employees.filtered(lambda employee: employee.id not in reminded)
        done = 0
        for ids in split_every(batch_size, todo.ids):
            batch = self.env["hr.employee"].browse(ids)
            shortfalls = self._get_shortfalls(batch, date_from, date_to)
            tolerance = company.timesheet_reminder_tolerance
            reminders = self.create(
                [
                    self._prepare_missing_hours_vals(
                        employee, date_from, date_to, shortfall
                    )
                    for employee, shortfall in shortfalls.items()
                    if float_compare(shortfall["missing"], tolerance, 2) > 0
                ]
            )
            reminders._deliver()
            done += len(ids)
            self._progress(done, len(todo), "missing hours")
        return done

    @api.model
    def _get_shortfalls(self, employees, date_from, date_to):
        """Per employee: hours expected by the working schedule (public
        holidays and time off taken out), logged, missing, and the days short,
        ``{employee: {"expected", "logged", "missing", "days": [(day,
        expected, logged)]}}``."""
        expected = {}
        by_tz = defaultdict(lambda: self.env["hr.employee"])
        for employee in employees:
            by_tz[
                employee.tz or employee.company_id.resource_calendar_id.tz or "UTC"
            ] |= employee
        for tz, group in by_tz.items():
            zone = pytz.timezone(tz)
            start = zone.localize(datetime.combine(date_from, time.min))
            end = zone.localize(datetime.combine(date_to, time.max))
            expected.update(group.sudo()._list_work_time_per_day(start, end))
        logged = defaultdict(float)
        logged_total = defaultdict(float)
        for employee, day, hours in (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("project_id", "!=", False),
                    ("employee_id", "in", employees.ids),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                ["employee_id", "date:day"],
                ["unit_amount:sum"],
            )
        ):
            logged[employee.id, day] = hours
            logged_total[employee.id] += hours
        result = {}
        for employee in employees:
            days = [
                (day, hours, logged[employee.id, day])
                for day, hours in expected.get(employee.id, [])
            ]
            total_expected = sum(hours for _day, hours, _logged in days)
            total_logged = logged_total[employee.id]
            result[employee] = {
                "expected": total_expected,
                "logged": total_logged,
                "missing": max(total_expected - total_logged, 0.0),
                "days": [
                    (day, hours, done)
                    for day, hours, done in days
                    if float_compare(done, hours, 2) < 0
                ],
            }
        return result

    def _prepare_missing_hours_vals(self, employee, date_from, date_to, shortfall):
        rows = Markup("").join(
            Markup("<li>%s: %s h logged of %s h</li>")
            % (format_date(self.env, day), _hours(done), _hours(hours))
            for day, hours, done in shortfall["days"]
        )
        return {
            "kind": "missing_hours",
            "company_id": employee.company_id.id,
            "employee_id": employee.id,
            "user_id": employee.user_id.id,
            "date_from": date_from,
            "date_to": date_to,
            "expected_hours": shortfall["expected"],
            "logged_hours": shortfall["logged"],
            "missing_hours": shortfall["missing"],
            "details": Markup("<ul>%s</ul>") % rows,
            "key": f"missing_hours:{employee.id}:{date_from}",
        }

    # ---------------------------------------------------- approval digests

    @api.model
    def _send_approval_digests(self, company, today):
        """One digest per approver of the submissions waiting longer than the
        company's delay, and none twice the same day."""
        waiting = self._get_waiting_weeks(company, today)
        by_approver = defaultdict(list)
        for week, state, since, hours, projects in waiting:
            for user in self._get_week_approvers(week, state, projects):
                by_approver[user].append((week, state, since, hours))
        sent_today = set(
            self.search(
                [
                    ("kind", "=", "approval_digest"),
                    ("company_id", "=", company.id),
                    ("date_from", "=", today),
                ]
            ).user_id.ids
        )
        reminders = self.create(
            [
                self._prepare_digest_vals(company, user, today, entries)
                for user, entries in by_approver.items()
                if user.id not in sent_today
            ]
        )
        reminders._deliver()
        return reminders

    @api.model
    def _get_waiting_weeks(self, company, today):
        """``[(week, state, waiting since, hours, projects)]``: the employee
        weeks with lines in a pending state since before the company's delay,
        and the projects of those lines."""
        limit = today - timedelta(days=company.timesheet_approval_delay_days)
        Line = self.env["account.analytic.line"].sudo()
        hours_of = defaultdict(float)
        projects_of = defaultdict(lambda: self.env["project.project"])
        for week, state, project, hours in Line._read_group(
            [
                ("company_id", "=", company.id),
                ("billing_state", "in", PENDING_STATES),
                ("week_id", "!=", False),
            ],
            ["week_id", "billing_state", "project_id"],
            ["unit_amount:sum"],
        ):
            hours_of[week, state] += hours
            projects_of[week, state] |= project
        groups = [(week, state, hours) for (week, state), hours in hours_of.items()]
        since = {
            (week.id, state): moment
            for week, state, moment in self.env["timesheet.billing.approval.log"]
            .sudo()
            ._read_group(
                [("week_id", "in", [week.id for week, _s, _h in groups])],
                ["week_id", "to_state"],
                ["create_date:max"],
            )
        }
        return [
            (week, state, since[week.id, state].date(), hours, projects_of[week, state])
            for week, state, hours in groups
            if (week.id, state) in since and since[week.id, state].date() <= limit
        ]

    @api.model
    def _get_week_approvers(self, week, state, projects):
        """Who acts next on ``week``'s lines in ``state``, on ``projects``
        (hook): the project leads and the employee's approver, then Finance."""
        if state == "lead_approved":
            group = self.env.ref(FINANCE_GROUP)
            return group.sudo().users.filtered(
                lambda user: week.company_id in user.company_ids
            )
        return (
            projects.sudo().user_id | week.employee_id.sudo().billing_approver_id
        ).filtered("active")

    def _prepare_digest_vals(self, company, user, today, entries):
        states = dict(
            self.env["account.analytic.line"]._fields["billing_state"].selection
        )
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s h</td></tr>")
            % (
                week.employee_id.name,
                format_date(self.env, week.date_start),
                states[state],
                format_date(self.env, since),
                _hours(hours),
            )
            for week, state, since, hours in sorted(
                entries, key=lambda entry: (entry[2], entry[0].employee_id.name)
            )
        )
        header = Markup(
            "<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
        ) % (
            self.env._("Employee"),
            self.env._("Week of"),
            self.env._("Waiting for"),
            self.env._("Since"),
            self.env._("Hours"),
        )
        return {
            "kind": "approval_digest",
            "company_id": company.id,
            "user_id": user.id,
            "date_from": today,
            "date_to": today,
            "logged_hours": sum(hours for _w, _s, _d, hours in entries),
            "details": Markup("<table>%s%s</table>") % (header, rows),
            "key": f"approval_digest:{company.id}:{user.id}:{today}",
        }

    # ------------------------------------------------------------ delivery

    def _deliver(self):
        """An email from the kind's template, and for missing hours an
        activity on the employee for their user."""
        if not self:
            return
        templates = {
            "missing_hours": "hr_timesheet_billing.mail_template_missing_hours",
            "approval_digest": "hr_timesheet_billing.mail_template_approval_digest",
        }
        for kind, reminders in self.grouped("kind").items():
            template = self.env.ref(templates[kind], raise_if_not_found=False)
            if template:
                template.sudo().send_mail_batch(reminders.ids)
        missing = self.filtered(lambda reminder: reminder.kind == "missing_hours")
        if missing:
            model = self.env["ir.model"]._get_id("hr.employee")
            todo = self.env.ref("mail.mail_activity_data_todo")
            # quick update: no "activity assigned" email besides the reminder's
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(
                [
                    {
                        "res_model_id": model,
                        "res_id": reminder.employee_id.id,
                        "activity_type_id": todo.id,
                        "user_id": reminder.user_id.id,
                        "summary": self.env._(
                            "Log your missing hours (%(hours)s h)",
                            hours=_hours(reminder.missing_hours),
                        ),
                        "note": reminder.details,
                        "date_deadline": fields.Date.context_today(self),
                    }
                    for reminder in missing
                ]
            )

    @api.model
    def _progress(self, done, total, what):
        self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)
        _logger.info("Timesheet reminders (%s): %s of %s", what, done, total)
        testing = getattr(threading.current_thread(), "testing", False)
        if self.env.context.get("ir_cron_progress_id") and not testing:
            # Run by the scheduler: a batch per transaction, so thousands of
            # employees never hit the worker's time limit, and a run cut short
            # keeps what it sent (the next one skips those).
            self.env.cr.commit()  # pylint: disable=invalid-commit


def _hours(value):
    return escape(f"{value:g}")
