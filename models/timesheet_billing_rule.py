from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

from .timesheet_billing_rule_context import ONE_DAY, RuleContext

RULE_TYPES = [
    ("line_hours", "Hours per line"),
    ("daily_hours", "Hours per employee per day"),
    ("future_date", "No future dates"),
    ("max_age", "No entries older than N days"),
    ("lock_date", "No entries on or before the lock date"),
    ("task_required", "Task required"),
    ("description_required", "Description required"),
    ("increment", "Minimum increment"),
    ("project_open", "Project open for timesheets"),
    ("contract_dates", "Inside the contract's dates"),
    ("budget", "Budget and contract caps"),
    ("missing_rate", "Billable time needs a rate"),
]

# What a project or contract does with time over its budget (empty: what the
# Budget rule's severity says).
BUDGET_POLICIES = [
    ("warn", "Warn"),
    ("block", "Block"),
    ("overflow", "Bill up to the budget"),
]
BUDGET_POLICY_HELP = (
    "When time goes over the budget: warn, refuse it, or keep the hours over it "
    "out of billing. Empty: as the Budget rule says."
)

ROUNDING = [
    ("none", "No rounding"),
    ("up", "Up"),
    ("half_up", "To the nearest"),
    ("down", "Down"),
]


class TimesheetBillingRule(models.Model):
    """A time logging policy: what a timesheet line must respect, and whether a
    line that breaks it is refused (block) or saved and flagged (warn)."""

    _name = "timesheet.billing.rule"
    _description = "Time Logging Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Empty: the rule applies in every company.",
    )
    project_ids = fields.Many2many(
        comodel_name="project.project",
        string="Only on Projects",
        check_company=True,
        help="Empty: the rule applies to every project.",
    )
    rule_type = fields.Selection(selection=RULE_TYPES, required=True)
    severity = fields.Selection(
        selection=[("block", "Block"), ("warn", "Warn")],
        required=True,
        default="warn",
        help="Block: the line is refused when saved. Warn: it is saved and "
        "flagged, and cannot be submitted until it is fixed or an approver "
        "acknowledges the warning.",
    )
    max_hours = fields.Float(
        string="Maximum Hours", default=24.0, help="Per line or per day."
    )
    days = fields.Integer(default=30)
    increment = fields.Float(default=0.25, help="In hours, e.g. 0.25 for 15 min.")
    rounding = fields.Selection(
        selection=ROUNDING,
        default="up",
        required=True,
        help="How billable hours are rounded to the increment for invoicing.",
    )
    description = fields.Text(compute="_compute_description")

    @api.depends("rule_type", "severity", "max_hours", "days", "increment", "rounding")
    def _compute_description(self):
        labels = dict(RULE_TYPES)
        for rule in self:
            detail = {
                "line_hours": f"0 to {rule.max_hours:g} h",
                "daily_hours": f"≤ {rule.max_hours:g} h",
                "max_age": f"{rule.days} days",
                "increment": f"{rule.increment:g} h, rounding {rule.rounding}",
            }.get(rule.rule_type, "")
            rule.description = " ".join(
                part for part in (labels.get(rule.rule_type, ""), detail) if part
            )

    @api.constrains("rule_type", "max_hours", "days", "increment")
    def _check_parameters(self):
        for rule in self:
            if rule.rule_type in ("line_hours", "daily_hours") and rule.max_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the maximum must be more than 0 hours.",
                        rule=rule.name,
                    )
                )
            if rule.rule_type == "max_age" and rule.days < 0:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the number of days cannot be negative.",
                        rule=rule.name,
                    )
                )
            if rule.rule_type == "increment" and rule.increment <= 0:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the increment must be more than 0 hours.",
                        rule=rule.name,
                    )
                )

    # ------------------------------------------------------------ cache

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _get_active_rule_scopes()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    @tools.ormcache()
    def _get_active_rule_scopes(self):
        """The active rules of every company, in order, as ``(id, rule type,
        company id, project ids)``. Every entry matches them: cached, so that
        an entry costs no search of the rules nor of their projects."""
        rules = (
            self.sudo().with_context(active_test=True).search([("active", "=", True)])
        )
        # a rule for an archived project stays a rule for that project only
        rules = rules.with_context(active_test=False)
        return tuple(
            (
                rule.id,
                rule.rule_type,
                rule.company_id.id,
                frozenset(rule.project_ids.ids),
            )
            for rule in rules
        )

    @api.model
    def _has_active_rule(self, rule_type):
        return any(scope[1] == rule_type for scope in self._get_active_rule_scopes())

    # --------------------------------------------------------- evaluation

    @api.model
    def _rules_for(self, lines):
        """Active rules that apply to these lines, as ``{line: rules}``.

        Rules depend on the line's company and project only: they are
        matched once per pair, not once per line."""
        scopes = self._get_active_rule_scopes()
        # Employees may not read the rules' configuration; it is read here to
        # check their own lines, within their lines' companies.
        Rule = self.sudo()
        by_key = {}
        applicable = {}
        for line in lines:
            key = (line.company_id.id, line.project_id.id)
            if key not in by_key:
                company_id, project_id = key
                by_key[key] = Rule.browse(
                    rule_id
                    for rule_id, _type, rule_company_id, project_ids in scopes
                    if rule_company_id in (False, company_id)
                    and (not project_ids or project_id in project_ids)
                )
            applicable[line] = by_key[key]
        return applicable

    @api.model
    def _evaluate(self, lines, whole_days=()):
        """Check ``lines`` against the rules that apply to them.

        ``whole_days``: the ``(employee id, date)`` whose lines are all among
        ``lines``; when every line's day is one, the day's totals are summed
        from them (not read again).

        :return: ``(violations, overflows)``: ``{line: [(rule, message,
            severity), ...]}`` for lines that break a rule, and ``{line:
            (hours, message)}`` for the hours over a budget whose policy is to
            bill only up to it. Set-based: a few queries whatever the number of
            lines.
        """
        lines = lines.filtered("project_id")
        logged = lines  # time other apps manage counts in the day's totals
        lines -= lines._managed_elsewhere()
        violations = defaultdict(list)
        overflows = {}
        if not lines:
            return violations, overflows
        line_ids = defaultdict(list)
        for line, rules in self._rules_for(lines).items():
            for rule in rules:
                line_ids[rule].append(line.id)
        context = RuleContext(self.env, lines, logged, whole_days)
        for rule, ids in line_ids.items():
            applied_to = lines.browse(ids)
            checker = getattr(rule, f"_check_{rule.rule_type}")
            for line, (message, severity) in checker(applied_to, context).items():
                violations[line].append((rule, message, severity or rule.severity))
            if rule.rule_type == "budget":
                for line, overrun in context.budget_overruns().items():
                    text, policy, hours = overrun
                    if policy == "overflow" and line in applied_to and hours:
                        overflows[line] = (hours, rule._violation(line, text))
        return violations, overflows

    def _violation(self, line, text, **values):
        """The message of a broken rule: who, when, where, what, which rule."""
        return self.env._(
            "%(employee)s, %(date)s, %(project)s: %(what)s (rule: %(rule)s)",
            employee=line.employee_id.name,
            date=line.date,
            project=line.project_id.display_name,
            what=text % values if values else text,
            rule=self.name,
        )

    def _check_line_hours(self, lines, context):
        result = {}
        for line in lines:
            # 0 h is a line: Odoo makes them itself (timers, quick entries)
            if line.unit_amount < 0 or (
                float_compare(line.unit_amount, self.max_hours, 2) > 0
            ):
                result[line] = (
                    self._violation(
                        line,
                        self.env._(
                            "%(employee)s logged %(hours)s h; a line holds from "
                            "0 to %(limit)s h",
                            employee=line.employee_id.name,
                            hours=_hours(line.unit_amount),
                            limit=_hours(self.max_hours),
                        ),
                    ),
                    None,
                )
        return result

    def _check_daily_hours(self, lines, context):
        totals = context.daily_totals()
        result = {}
        for line in lines:
            total = totals.get((line.employee_id.id, line.date), 0.0)
            if float_compare(total, self.max_hours, 2) > 0:
                result[line] = (
                    self._violation(
                        line,
                        self.env._(
                            "%(employee)s logged %(hours)s h on %(date)s; the "
                            "limit is %(limit)s h per day",
                            employee=line.employee_id.name,
                            hours=_hours(total),
                            date=line.date,
                            limit=_hours(self.max_hours),
                        ),
                    ),
                    None,
                )
        return result

    def _check_future_date(self, lines, context):
        return {
            line: (
                self._violation(
                    line,
                    self.env._(
                        "the date is in the future (today is %(today)s for the "
                        "employee)",
                        today=context.employee_today(line.employee_id),
                    ),
                ),
                None,
            )
            for line in lines
            # before UTC's today, a date is in no one's future: the employee's
            # timezone is read only for the dates that may be
            if line.date >= context.utc_today
            and line.date > context.employee_today(line.employee_id)
        }

    def _check_max_age(self, lines, context):
        result = {}
        # a date from the latest oldest date allowed anywhere on is recent
        # enough whatever the employee's timezone (not read for it)
        recent = context.utc_today + ONE_DAY - timedelta(days=self.days)
        for line in lines:
            if line.date >= recent:
                continue
            oldest = context.employee_today(line.employee_id) - timedelta(
                days=self.days
            )
            if line.date < oldest:
                result[line] = (
                    self._violation(
                        line,
                        self.env._(
                            "the entry is older than %(days)s days (oldest date "
                            "allowed: %(oldest)s)",
                            days=self.days,
                            oldest=oldest,
                        ),
                    ),
                    None,
                )
        return result

    def _check_lock_date(self, lines, context):
        result = {}
        for line in lines:
            lock = line.company_id.timesheet_lock_date
            if lock and line.date <= lock:
                result[line] = (
                    self._violation(
                        line,
                        self.env._("timesheets are locked up to %(lock)s", lock=lock),
                    ),
                    None,
                )
        return result

    def _check_task_required(self, lines, context):
        return {
            line: (self._violation(line, self.env._("no task given")), None)
            for line in lines
            if not line.task_id
        }

    def _check_description_required(self, lines, context):
        return {
            line: (self._violation(line, self.env._("no description given")), None)
            for line in lines
            if not (line.name or "").strip() or line.name.strip() == "/"
        }

    def _check_increment(self, lines, context):
        result = {}
        for line in lines:
            steps = line.unit_amount / self.increment
            if abs(steps - round(steps)) > 1e-6:
                result[line] = (
                    self._violation(
                        line,
                        self.env._(
                            "%(hours)s h is not a multiple of %(increment)s h",
                            hours=_hours(line.unit_amount),
                            increment=_hours(self.increment),
                        ),
                    ),
                    None,
                )
        return result

    def _check_project_open(self, lines, context):
        result = {}
        for line in lines:
            project = line.project_id.sudo()
            if (
                project.active
                and project.allow_timesheets
                and not (project.stage_id.fold)
            ):
                continue
            result[line] = (
                self._violation(
                    line, self.env._("the project is closed to timesheets")
                ),
                None,
            )
        return result

    def _check_contract_dates(self, lines, context):
        result = {}
        for line in lines:
            contracts = line.project_id.sudo().contract_ids
            if contracts and not line.contract_id:
                periods = ", ".join(
                    f"{contract.date_start} → {contract.date_end or '…'}"
                    for contract in contracts
                )
                result[line] = (
                    self._violation(
                        line,
                        self.env._(
                            "the date is outside the project's contracts (%(periods)s)",
                            periods=periods,
                        ),
                    ),
                    None,
                )
        return result

    def _check_missing_rate(self, lines, context):
        return {
            line: (
                self._violation(
                    line,
                    self.env._(
                        "no rate card prices %(employee)s (%(role)s) on this "
                        "billable project",
                        employee=line.employee_id.name,
                        role=line.billing_role_id.name or self.env._("no role"),
                    ),
                ),
                None,
            )
            for line in lines
            if line.non_billable_reason == "no_rate"
        }

    def _check_budget(self, lines, context):
        """Project budgets (hours worked, billable amount) and contract caps
        (billable hours and amount). The project's or contract's policy decides:
        warn, block, or bill only up to the budget (overflow)."""
        result = {}
        for line, (text, policy, _overflow) in context.budget_overruns().items():
            # the overruns are the batch's; this rule's lines only
            if policy == "overflow" or line not in lines:
                continue  # billed up to the budget: _apply_budget_overflow()
            result[line] = (self._violation(line, text), policy or None)
        return result

    @api.model
    def _round_hours(self, hours, rule):
        """Billable hours rounded to ``rule``'s increment, as invoicing bills."""
        if not rule or rule.rounding == "none" or not rule.increment:
            return hours
        method = {"up": "UP", "down": "DOWN", "half_up": "HALF-UP"}[rule.rounding]
        return float_round(
            hours, precision_rounding=rule.increment, rounding_method=method
        )


def _hours(value):
    return f"{value:g}"
