import math
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, Query

from .billing_states import LOCKED_STATES, PENDING_STATES, UNBILLED_STATES

BILLING_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("lead_approved", "Approved by Lead"),
    ("approved", "Approved"),
    ("invoiced", "Invoiced"),
]
APPROVER_GROUP = "hr_timesheet.group_hr_timesheet_approver"
FINANCE_GROUP = "hr_timesheet_billing.group_timesheet_billing_finance"
MANAGER_GROUP = "hr_timesheet_billing.group_timesheet_billing_manager"


class TimesheetBillingApprovalMixin(models.AbstractModel):
    """Weekly submission and approval of timesheet lines, in one or two stages
    (project lead, then finance), with rejection reasons, locking and a log.

    Used by ``account.analytic.line``; the hooks say who approves what.
    """

    _name = "timesheet.billing.approval.mixin"
    _description = "Timesheet Approval"

    billing_state = fields.Selection(
        selection=BILLING_STATES,
        string="Approval",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        # No index on all rows: the model indexes the open states only
        # (account.analytic.line's init()), the lines approval and invoicing
        # look for among years of invoiced ones.
        help="Draft: being logged. Submitted: waiting for the project lead. "
        "Approved by Lead: waiting for finance. Approved: ready to invoice. "
        "Invoiced: billed.",
    )
    rejection_reason = fields.Text(readonly=True, copy=False)
    # Who did what to the line, for the separation of duties (the approval
    # log tells the whole story; these are what the checks need, one
    # column each, written with the transition's own UPDATE).
    submitted_by_id = fields.Many2one(
        comodel_name="res.users",
        readonly=True,
        copy=False,
    )
    lead_approver_id = fields.Many2one(
        comodel_name="res.users",
        string="Lead Approval By",
        readonly=True,
        copy=False,
        help="Who gave the first approval: they do not give the Finance one.",
    )
    hours_changed_by_id = fields.Many2one(
        comodel_name="res.users",
        readonly=True,
        copy=False,
        help="Who last changed the hours for the employee (empty when the "
        "employee did): they do not approve them.",
    )
    week_id = fields.Many2one(
        comodel_name="timesheet.billing.week",
        readonly=True,
        copy=False,
        index=True,
    )
    approval_log_ids = fields.Many2many(
        comodel_name="timesheet.billing.approval.log",
        compute="_compute_approval_log_ids",
        search="_search_approval_log_ids",
        help="The transitions these lines went through (the logs list the lines "
        "they moved).",
    )

    can_approve = fields.Boolean(
        string="Mine to Approve",
        compute="_compute_can_approve",
        search="_search_can_approve",
        help="At a stage the current user approves (the lead's, or Finance's), "
        "and not their own time.",
    )

    def _get_my_approval_domain(self):
        user = self.env.user
        return expression.AND(
            [
                self._get_approvable_domain(user),
                ["!", *expression.normalize_domain(self._get_owner_domain(user))],
                [
                    "!",
                    *expression.normalize_domain(self._get_duty_conflict_domain(user)),
                ],
            ]
        )

    @api.depends_context("uid")
    def _compute_can_approve(self):
        saved = self.filtered("id")
        mine = saved._filter_by_domain(self._get_my_approval_domain())
        for line in self:
            line.can_approve = line in mine

    def _search_can_approve(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Search Mine to Approve with = or != and true or false.")
            )
        domain = self._get_my_approval_domain()
        if (operator == "=") == value:
            return domain
        return ["!", *expression.normalize_domain(domain)]

    def _compute_approval_log_ids(self):
        Log = self.env["timesheet.billing.approval.log"]
        logs_of = Log.sudo()._logs_of_lines([line.id for line in self._origin])
        # Those the user may read: the record rules of the logs apply.
        readable = set(
            Log.search([("id", "in", [i for ids in logs_of.values() for i in ids])]).ids
        )
        for line in self:
            line.approval_log_ids = Log.browse(
                [i for i in logs_of.get(line._origin.id, []) if i in readable]
            )

    def _search_approval_log_ids(self, operator, value):
        Log = self.env["timesheet.billing.approval.log"]
        if isinstance(value, Query):
            # the query Odoo made of a path such as "approval_log_ids.user_id"
            logs = Log.browse(value.get_result_ids())
        elif operator == "any":
            logs = Log.search(value)
        elif operator in ("in", "="):
            logs = Log.browse(value if isinstance(value, list | tuple) else [value])
        else:
            raise UserError(
                self.env._(
                    "Timesheets are searched by approval log with 'in' or 'any' "
                    "only, not '%(operator)s'.",
                    operator=operator,
                )
            )
        line_ids = {i for log in logs.sudo() for i in log.line_id_list or []}
        return [("id", "in", list(line_ids))]

    # -------------------------------------------------------------- hooks

    def _get_locked_fields(self):
        """Fields nobody changes once lines are approved (hook)."""
        return {
            "unit_amount",
            "date",
            "employee_id",
            "user_id",
            "project_id",
            "task_id",
            "billing_role_id",
            "billable_hours",
            "billable_hours_adjustment",
            "exclude_from_billing",
            "amount",
            "account_id",
            "company_id",
        }

    def _get_finance_approval_domain(self):
        """Lines whose approval has a finance stage (hook): the contract
        decides, else the company's setting."""
        return expression.OR(
            [
                [("contract_id.finance_approval", "=", "required")],
                [
                    "|",
                    ("contract_id", "=", False),
                    ("contract_id.finance_approval", "=", "company"),
                    ("company_id.timesheet_finance_approval", "=", True),
                ],
            ]
        )

    def _get_owner_domain(self, user):
        """Lines that are ``user``'s own time (hook)."""
        return [
            "|",
            ("user_id", "=", user.id),
            ("employee_id.user_id", "=", user.id),
        ]

    def _get_lead_approver_domain(self, user):
        """Lines whose first stage ``user`` performs: the project's manager or
        the employee's designated approver; billing managers stand in for
        anyone of their companies (hook)."""
        if user.has_group(MANAGER_GROUP):
            return [("company_id", "in", user.company_ids.ids)]
        return [
            "|",
            ("project_id.user_id", "=", user.id),
            ("employee_id.billing_approver_id", "=", user.id),
        ]

    def _can_finance_approve(self, user):
        """The second stage: members of Billing / Finance (hook)."""
        return user.has_group(FINANCE_GROUP)

    def _filter_by_domain(self, domain):
        """These lines that match ``domain``, in one query whatever their
        number: the approval checks run on months of a whole firm at once.
        Read unfiltered by record rules and archives (a line's employee may
        have left), within these lines only."""
        if not self or domain == expression.TRUE_DOMAIN:
            return self
        matching = (
            self.sudo()
            .with_context(active_test=False)
            .search(expression.AND([[("id", "in", self.ids)], domain]), order="id")
        )
        return self.browse(matching.ids)

    def _get_approvable_domain(self, user):
        """Lines at a stage ``user`` may approve (or reject)."""
        stages = [
            expression.AND(
                [
                    [("billing_state", "=", "submitted")],
                    self._get_lead_approver_domain(user),
                ]
            )
        ]
        if self._can_finance_approve(user):
            stages.append(
                [
                    ("billing_state", "=", "lead_approved"),
                    ("company_id", "in", user.company_ids.ids),
                ]
            )
        return expression.OR(stages)

    def _get_duty_conflict_domain(self, user):
        """Lines ``user`` may not approve whatever their role (hook): time
        they entered, submitted or last changed the hours of for someone
        else, and the Finance stage of a line whose first stage they gave
        (unless the line's company lets one person give both)."""
        return expression.OR(
            [
                [("create_uid", "=", user.id)],
                [("submitted_by_id", "=", user.id)],
                [("hours_changed_by_id", "=", user.id)],
                [
                    ("billing_state", "=", "lead_approved"),
                    ("lead_approver_id", "=", user.id),
                    ("company_id.timesheet_same_approver_both_stages", "=", False),
                ],
            ]
        )

    # ------------------------------------------------------------ actions

    def action_submit(self):
        """Submit draft lines for approval (their owner or an approver)."""
        lines = self._timesheets()
        lines._check_state({"draft"}, self.env._("submitted"))
        user = self.env.user
        if not user.has_group(APPROVER_GROUP):
            others = lines - lines._filter_by_domain(lines._get_owner_domain(user))
            if others:
                raise AccessError(
                    self.env._(
                        "%(user)s may only submit their own timesheets, not: %(lines)s",
                        user=user.name,
                        lines=others._describe(),
                    )
                )
        return lines._submit()

    def _submit(self):
        """Submit these draft lines, which the user may submit (checked by the
        caller): the logging rules, the state, the approvers' activities. The
        step both submissions share (hook)."""
        self._check_submittable()
        self._transition(
            "submitted",
            vals={"rejection_reason": False, "submitted_by_id": self.env.uid},
        )
        self._notify_approvers()
        return True

    def action_approve(self):
        """Perform, on each line, the next approval stage this user may
        perform: the lead's, then finance's where there is one.

        Set-based: a month of a whole firm is approved in a fixed number of
        queries, each check one search over the selected lines."""
        lines = self._timesheets()
        lines._check_state(set(PENDING_STATES), self.env._("approved"))
        user = self.env.user
        own = lines._filter_by_domain(lines._get_owner_domain(user))
        if own:
            raise AccessError(
                self.env._(
                    "Nobody approves their own time: %(lines)s", lines=own._describe()
                )
            )
        conflicts = lines._filter_by_domain(lines._get_duty_conflict_domain(user))
        if conflicts and not self.env.su:
            raise AccessError(
                self.env._(
                    "%(user)s may not approve timesheets they entered, submitted or "
                    "changed the hours of for someone else, nor the Finance stage "
                    "of those they approved as lead: %(lines)s",
                    user=user.name,
                    lines=conflicts._describe(),
                )
            )
        refused = lines - lines._filter_by_domain(lines._get_approvable_domain(user))
        refused._refuse(self.env._("approve these timesheets at their stage"))
        to_finance = lines._filter_by_domain(
            expression.AND(
                [
                    [("billing_state", "=", "submitted")],
                    lines._get_finance_approval_domain(),
                ]
            )
        )
        final = lines - to_finance
        weeks = to_finance._transition(
            "lead_approved", vals={"lead_approver_id": user.id}
        )
        weeks |= final._transition("approved", vals=final._prepare_bill_rate_freeze())
        self._close_approver_activities(weeks)
        return True

    def action_reject(self, reason):
        """Send lines back to draft, at any approval stage, with the reason the
        employee will read."""
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the timesheets are rejected."))
        lines = self._timesheets()
        lines._check_state(set(PENDING_STATES), self.env._("rejected"))
        user = self.env.user
        allowed = lines._filter_by_domain(
            lines._get_approvable_domain(user)
        ) - lines._filter_by_domain(lines._get_owner_domain(user))
        (lines - allowed)._refuse(self.env._("reject these timesheets at their stage"))
        weeks = lines._transition(
            "draft", reason=reason, vals={"rejection_reason": reason}
        )
        self._close_approver_activities(weeks)
        lines._notify_rejection(reason, weeks)
        return True

    def action_reset_to_draft(self):
        """Back to draft: the owner before any approval, or an approver of the
        line's stage; approved lines by finance or a lead; never invoiced ones."""
        lines = self._timesheets()
        lines._check_state(set(UNBILLED_STATES), self.env._("reset to draft"))
        user = self.env.user
        owned = lines._filter_by_domain(lines._get_owner_domain(user))
        submitted = lines._filter_by_domain([("billing_state", "=", "submitted")])
        resettable = lines._filter_by_domain(lines._get_resettable_domain(user))
        allowed = (submitted & owned) | (resettable - owned)
        (lines - allowed)._refuse(self.env._("reset these timesheets to draft"))
        weeks = lines._transition("draft")
        lines._unfreeze_bill_rate()
        self._close_approver_activities(weeks)
        return True

    @api.model
    def action_submit_my_week(self, day=None):
        """Submit the current user's draft timesheets of the week of ``day``
        (today by default); return how many lines were submitted."""
        day = fields.Date.to_date(day) or fields.Date.context_today(self)
        start = self.env["timesheet.billing.week"]._week_start(day)
        lines = self._get_my_week_to_submit(start)
        if not lines:
            raise UserError(
                self.env._(
                    "You have no draft timesheet in the week of %(start)s.",
                    start=start,
                )
            )
        # Found as the user, among their own draft lines with a project: what
        # action_submit() would check again, a query each.
        lines._submit()
        return len(lines)

    # ------------------------------------------------------------ helpers

    @api.model
    def _get_my_week_to_submit(self, start):
        """The current user's draft lines that Submit My Week submits, of the
        week that starts on ``start``."""
        # The user's employees (of every company), read once: a domain
        # through employee_id.user_id would join the employees under their
        # record rules in the search of the lines.
        employees = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search([("user_id", "=", self.env.uid)])
        )
        return self.search(
            [
                *self._get_submittable_domain(),
                ("employee_id", "in", employees.ids),
                ("billing_state", "=", "draft"),
                ("date", ">=", start),
                ("date", "<=", start + timedelta(days=6)),
            ]
        )

    def _timesheets(self):
        self._check_acting_scope()
        lines = self._filter_by_domain([("project_id", "!=", False)])
        if not lines:
            raise UserError(self.env._("Select timesheets."))
        return lines

    def _check_acting_scope(self):
        """The approval actions act on lines the user may read, in the
        companies allowed now: ids of others are refused, in one query (the
        user's record rules, multi-company included, applied in SQL)."""
        if self.env.su or not self:
            return
        visible = self.with_context(active_test=False).search([("id", "in", self.ids)])
        hidden = self - visible
        if hidden:
            raise AccessError(
                self.env._(
                    "%(user)s may not act on %(count)s of these timesheets (ids "
                    "%(ids)s): they belong to a company not selected now, or are "
                    "not theirs to see.",
                    user=self.env.user.name,
                    count=len(hidden),
                    ids=", ".join(str(line_id) for line_id in hidden.ids[:20]),
                )
            )

    def _describe(self, most=10):
        labels = [
            f"{line.employee_id.name} {line.date} {line.project_id.display_name} "
            f"({line.unit_amount:g} h)"
            for line in self[:most]
        ]
        if len(self) > most:
            labels.append(self.env._("and %(count)s more", count=len(self) - most))
        return "; ".join(labels)

    def _refuse(self, what):
        """Refuse the current user ``what`` on these lines, naming them."""
        if self:
            raise AccessError(
                self.env._(
                    "%(user)s may not %(what)s: %(lines)s",
                    user=self.env.user.name,
                    what=what,
                    lines=self._describe(),
                )
            )

    def _check_state(self, allowed, action):
        wrong = self._filter_by_domain([("billing_state", "not in", list(allowed))])
        if wrong:
            states = dict(BILLING_STATES)
            raise UserError(
                self.env._(
                    "These timesheets cannot be %(action)s from their state "
                    "(%(states)s): %(lines)s",
                    action=action,
                    states=", ".join(
                        sorted(
                            {states[state] for state in wrong.mapped("billing_state")}
                        )
                    ),
                    lines=wrong._describe(),
                )
            )

    def _get_resettable_domain(self, user):
        """Lines ``user`` may send back to draft as an approver: those at a
        stage they approve, and approved ones for finance or their lead."""
        approved = [("billing_state", "=", "approved")]
        if not self._can_finance_approve(user):
            approved = expression.AND([approved, self._get_lead_approver_domain(user)])
        return expression.OR([self._get_approvable_domain(user), approved])

    def _check_submittable(self):
        """Lines that break a blocking rule, or whose warnings nobody
        acknowledged, are not submitted: say which and why."""
        violations, _overflows = self.env["timesheet.billing.rule"]._evaluate(
            self.sudo()
        )
        reasons = [
            message
            for line in self.sudo()
            for _rule, message, severity in violations.get(line, [])
            if severity == "block"
        ]
        reasons += [
            line.rule_warning for line in self.sudo().filtered("needs_attention")
        ]
        if reasons:
            raise ValidationError(
                self.env._(
                    "Fix these timesheets, or have an approver acknowledge their "
                    "warnings, before submitting:\n%(reasons)s",
                    reasons="\n".join(reasons[:20]),
                )
            )

    def _transition(self, to_state, reason=False, per_line=None, vals=None):
        """Move the lines to ``to_state`` and log it per week and former state
        (the week's Approval Log; its chatter stays for the people: a note per
        week would cost more than the transition at a firm's scale); return
        the weeks. A fixed number of queries whatever the number of
        lines: the lines are grouped in SQL, written in one UPDATE (with
        ``vals`` and ``per_line`` of ``_write_in_bulk()``), never read one by
        one."""
        Week = self.env["timesheet.billing.week"]
        if not self:
            return Week
        lines = self.sudo()
        lines.flush_recordset(
            ["employee_id", "company_id", "date", "billing_state", "unit_amount"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT employee_id, company_id, date, billing_state,
                       -- summed exactly: hundreds of 0.1 h lines add up to
                       -- round figures in the log
                       array_agg(id), sum(unit_amount::numeric)::float8
                  FROM %s
                 WHERE id = ANY(%s)
              GROUP BY employee_id, company_id, date, billing_state
                """,
                SQL.identifier(self._table),
                list(self.ids),
            )
        )
        weeks = Week._get_or_create_keys(
            {
                (employee_id, Week._week_start(day), company_id)
                for employee_id, company_id, day, _state, _ids, _hours in rows
            }
        )
        week_of_line = {}
        groups = defaultdict(lambda: ([], []))  # (week, from state): ids, hours
        for employee_id, _company_id, day, state, ids, hours in rows:
            week = weeks[employee_id, Week._week_start(day)]
            week_of_line.update(dict.fromkeys(ids, week.id))
            group_ids, group_hours = groups[week, state]
            group_ids.extend(ids)
            group_hours.append(hours)
        lines._write_in_bulk(
            {
                "billing_state": to_state,
                **self._get_transition_values(to_state),
                **(vals or {}),
            },
            per_line={"week_id": week_of_line, **(per_line or {})},
        )
        moved = defaultdict(list)
        for (_week, from_state), (ids, _hours) in groups.items():
            moved[from_state].extend(ids)
        for from_state, ids in moved.items():
            self.browse(ids)._on_billing_transition(from_state, to_state)
        self.env["timesheet.billing.approval.log"].sudo().create(
            [
                {
                    "week_id": week.id,
                    "user_id": self.env.uid,
                    "from_state": from_state,
                    "to_state": to_state,
                    "reason": reason,
                    "line_id_list": ids,
                    "line_count": len(ids),
                    "hours": math.fsum(hours),
                }
                for (week, from_state), (ids, hours) in groups.items()
            ]
        )
        # Computed from the logs, which the ORM does not know as a dependency.
        lines.invalidate_recordset(["approval_log_ids"])
        return Week.union(*weeks.values())

    def _on_billing_transition(self, old_state, new_state):
        """These lines moved from ``old_state`` to ``new_state`` (hook: does
        nothing here). Every change of the approval state calls it, once per
        pair of states for the whole batch, after the state is written: the
        actions (Submit, Approve, Reject, Reset to Draft), the invoicing
        engine (written in SQL), and the documents that start or stop billing
        all of a line's hours (Approved ↔ Invoiced, while Odoo recomputes the
        state). Read what you need and write other records; the state itself
        changes only through the actions."""

    def _get_transition_values(self, to_state):
        """Values the UPDATE of a transition to ``to_state`` writes besides
        the state (hook): the stored fields computed from the state, so that
        the ORM does not rewrite them 100 rows at a time; ``SQL`` values are
        expressions over the row (``line``)."""
        return {}

    def _write_in_bulk(self, vals, per_line=None):
        """Write plain values on many lines in one UPDATE: ``vals`` on all
        (an ``SQL`` value is an expression over the row, ``line``),
        ``per_line`` (``{field: {line id: column value}}``) line by line.

        ``write()`` would do the same in batches of 100 rows, and a query per
        distinct value; transitions move thousands of lines at once and write
        only fields no rule, lock or computation of ``write()`` is about.
        Dependents are notified; stored computed fields written here are
        final (e.g. an invoice line's invoice): the ORM does not recompute them
        (it would rewrite every line again, 100 rows per UPDATE).
        """
        if not self:
            return
        per_line = per_line or {}
        names = [*vals, *per_line]
        self.flush_recordset(names)
        assignments = [
            SQL(
                "%s = %s",
                SQL.identifier(name),
                value
                if isinstance(value, SQL)
                else self._fields[name].convert_to_column(value, self),
            )
            for name, value in vals.items()
        ] + [
            SQL("%s = given.%s", SQL.identifier(name), SQL.identifier(name))
            for name in per_line
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE %s AS line SET %s, write_uid = %s, write_date = %s
                  FROM unnest(%s) AS given(%s)
                 WHERE line.id = given.id
                """,
                SQL.identifier(self._table),
                SQL(", ").join(assignments),
                self.env.uid,
                self.env.cr.now(),
                SQL(", ").join(
                    [
                        SQL("%s::int[]", list(self.ids)),
                        *(
                            SQL(
                                "%s::%s[]",
                                [values.get(line_id) or None for line_id in self.ids],
                                SQL(self._fields[name].column_type[1]),
                            )
                            for name, values in per_line.items()
                        ),
                    ]
                ),
                SQL(", ").join(SQL.identifier(name) for name in ["id", *per_line]),
            )
        )
        self.invalidate_recordset([*names, "write_uid", "write_date"])
        self.modified(names)
        for name in names:
            self.env.remove_to_compute(self._fields[name], self)

    def _notify_approvers(self):
        """An activity for each approver of a submitted week, once."""
        todo = defaultdict(set)
        for line in self.sudo():
            approver = line.employee_id.billing_approver_id or line.project_id.user_id
            if approver and line.week_id:
                todo[line.week_id].add(approver)
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        week_model = self.env["ir.model"]._get_id("timesheet.billing.week")
        today = fields.Date.context_today(self)
        summary = self.env._("Timesheets to approve")
        vals_list = [
            {
                "res_model_id": week_model,
                "res_id": week.id,
                "activity_type_id": todo_type.id,
                "user_id": approver.id,
                "summary": summary,
                "date_deadline": today,
                "automated": True,
            }
            for week, approvers in todo.items()
            for approver in approvers
            if not week.activity_ids.filtered(
                lambda activity, approver=approver: (
                    activity.user_id == approver
                    and activity.activity_type_id == todo_type
                )
            )
        ]
        # In one batch and without an email per activity: a firm submitting
        # its month would send each approver one email per week.
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)

    @api.model
    def _close_approver_activities(self, weeks):
        if weeks:
            # Removed, not marked done: done activities post a message each,
            # and the week's Approval Log already says who approved what.
            weeks.sudo().activity_unlink(
                ["mail.mail_activity_data_todo"], user_id=self.env.uid
            )

    def _notify_rejection(self, reason, weeks):
        for week in weeks.sudo():
            if week.user_id:
                week.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=week.user_id.id,
                    summary=self.env._("Timesheets rejected"),
                    note=reason,
                )

    # ------------------------------------------------------------ locking

    def _check_approval_lock(self, vals):
        """Approved and invoiced lines keep their hours, date, people, project,
        task and rate; submitted ones change only through an approver. The
        state changes only through the actions."""
        if self.env.su:
            return
        self._check_approval_vals(vals)
        locked = self.filtered(lambda line: line.billing_state in LOCKED_STATES)
        changed = self._get_locked_fields() & set(vals)
        if locked and changed:
            raise UserError(
                self.env._(
                    "Approved timesheets are locked (%(fields)s cannot change; the "
                    "description can): %(lines)s",
                    fields=", ".join(sorted(changed)),
                    lines=locked._describe(),
                )
            )
        pending = self.filtered(lambda line: line.billing_state in PENDING_STATES)
        if pending and not self.env.user.has_group(APPROVER_GROUP):
            raise UserError(
                self.env._(
                    "These timesheets are submitted: reset them to draft to change "
                    "them. %(lines)s",
                    lines=pending._describe(),
                )
            )

    @api.model
    def _check_approval_vals(self, vals):
        """Nobody sets the approval state by hand, not even over RPC."""
        protected = {
            "billing_state",
            "week_id",
            "rejection_reason",
            "invoice_line_id",
        } & set(vals)
        if protected and not self.env.su:
            raise AccessError(
                self.env._(
                    "The approval of timesheets (%(fields)s) changes only through "
                    "Submit, Approve, Reject and Reset to Draft.",
                    fields=", ".join(sorted(protected)),
                )
            )

    def _managed_elsewhere(self):
        """Lines another app creates and deletes itself (hook)."""
        return self.browse()

    def _deleted_by_their_app(self):
        """Lines another app is deleting itself (hook)."""
        return self.browse()

    @api.model
    def _get_submittable_domain(self):
        """Lines an employee submits with their week (hook)."""
        return [("project_id", "!=", False)]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        submitted = self.filtered(lambda line: line.billing_state != "draft")
        # Time Off deletes the lines of a cancelled leave, whatever their
        # approval; only what was invoiced stays.
        submitted -= submitted._deleted_by_their_app().filtered(
            lambda line: line.billing_state != "invoiced"
        )
        if submitted:
            raise UserError(
                self.env._(
                    "Only draft timesheets can be deleted (reset the others to "
                    "draft first; approved and invoiced ones stay): %(lines)s",
                    lines=submitted._describe(),
                )
            )
