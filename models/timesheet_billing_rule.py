from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, float_round

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
    def _evaluate(self, lines):
        """Check ``lines`` against the rules that apply to them.

        :return: ``(violations, overflows)``: ``{line: [(rule, message,
            severity), ...]}`` for lines that break a rule, and ``{line:
            (hours, message)}`` for the hours over a budget whose policy is to
            bill only up to it. Set-based: a few queries whatever the number of
            lines.
        """
        lines = lines.filtered("project_id")
        lines -= lines._managed_elsewhere()
        violations = defaultdict(list)
        overflows = {}
        if not lines:
            return violations, overflows
        line_ids = defaultdict(list)
        for line, rules in self._rules_for(lines).items():
            for rule in rules:
                line_ids[rule].append(line.id)
        context = _Context(self.env, lines)
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
            if line.date > context.employee_today(line.employee_id)
        }

    def _check_max_age(self, lines, context):
        result = {}
        for line in lines:
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


# The lines a budget's re-evaluation may change.
BUDGET_OPEN_STATES = ("draft", "submitted")


def _hours(value):
    return f"{value:g}"


class _Context:
    """What several rules need about a batch of lines, read once."""

    def __init__(self, env, lines):
        self.env = env
        self.lines = lines
        self._today = {}
        self._daily = None
        self._budget = None

    def employee_today(self, employee):
        """Today in the employee's timezone (the company's when none)."""
        tz = employee.sudo().tz or self.env.user.tz or "UTC"
        if tz not in self._today:
            self._today[tz] = fields.Date.context_today(
                self.env["account.analytic.line"].with_context(tz=tz)
            )
        return self._today[tz]

    def daily_totals(self):
        """Hours per (employee, day), all lines of those days included."""
        if self._daily is None:
            Line = self.env["account.analytic.line"]
            Line.flush_model(["project_id", "employee_id", "date", "unit_amount"])
            # SQL, not _read_group(): read on every entry, the ORM's grouping
            # machinery costs more than the query.
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT employee_id, date, SUM(unit_amount)
                      FROM account_analytic_line
                     WHERE project_id IS NOT NULL
                       AND employee_id = ANY(%s) AND date = ANY(%s)
                     GROUP BY employee_id, date
                    """,
                    self.lines.employee_id.ids,
                    sorted(set(self.lines.mapped("date"))),
                )
            )
            self._daily = {(employee, day): hours for employee, day, hours in rows}
        return self._daily

    def budget_overruns(self):
        """``{line: (message, policy, overflow_hours)}`` for lines that go over
        a project budget or a contract cap, taking the batch's lines in date
        order after those already logged."""
        if self._budget is None:
            self._budget = self._compute_budget_overruns()
        return self._budget

    def _compute_budget_overruns(self):
        lines = self.lines.sudo()
        projects = lines.project_id.filtered(
            lambda project: project.budget_hours or project.budget_amount
        )
        contracts = lines.contract_id.filtered(
            lambda contract: contract.cap_hours or contract.cap_amount
        )
        if not projects and not contracts:
            return {}
        # Lines past approval keep the billable hours they were approved
        # with: they use the budget first, and only lines still open (draft,
        # submitted) are measured against what is left, in date order, so a
        # back-dated line takes the overflow itself.
        lines = lines.filtered(lambda line: line.billing_state in BUDGET_OPEN_STATES)
        used = defaultdict(float)
        for kind, record_id, currency_id, hours, over, amount in self._budget_sums(
            projects, contracts, lines
        ):
            if kind == "project":
                project = projects.browse(record_id)
                # Billed up to the budget: hours already kept out of billing
                # do not use it (else a line rechecked after others would be
                # cut again for hours they already gave up).
                used["project_hours", record_id] += (
                    hours - over if project.budget_policy == "overflow" else hours
                )
                if currency_id == project.currency_id.id:
                    used["project_amount", record_id] += amount
            else:
                contract = contracts.browse(record_id)
                used["contract_hours", record_id] += hours
                if currency_id == contract.currency_id.id:
                    used["contract_amount", record_id] += amount
        overruns = {}
        for line in lines.sorted(lambda line: (line.date, line.id)):
            overrun = self._line_overrun(line, used)
            if overrun:
                overruns[line] = overrun
        return overruns

    def _budget_sums(self, projects, contracts, checked):
        """What the lines other than ``checked`` use of the budgets, in one
        grouped statement (never the lines themselves): rows ``(kind, id,
        currency id, hours, hours over budget, billable amount)``; a project
        counts hours worked and the billable amount, a contract the billable
        hours and amount."""
        Line = self.env["account.analytic.line"]
        Line.flush_model(
            [
                "project_id",
                "contract_id",
                "bill_currency_id",
                "is_billable",
                "unit_amount",
                "budget_overflow_hours",
                "bill_amount",
                "billable_hours",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT 'project', project_id, bill_currency_id,
                       SUM(unit_amount), SUM(budget_overflow_hours),
                       SUM(bill_amount) FILTER (WHERE is_billable)
                  FROM account_analytic_line
                 WHERE project_id = ANY(%(projects)s) AND id != ALL(%(checked)s)
                 GROUP BY project_id, bill_currency_id
                 UNION ALL
                SELECT 'contract', contract_id, bill_currency_id,
                       SUM(billable_hours), 0, SUM(bill_amount)
                  FROM account_analytic_line
                 WHERE contract_id = ANY(%(contracts)s) AND id != ALL(%(checked)s)
                   AND is_billable
                 GROUP BY contract_id, bill_currency_id
                """,
                projects=projects.ids,
                contracts=contracts.ids,
                checked=checked.ids,
            )
        )
        return [
            (
                kind,
                record_id,
                currency_id,
                hours or 0.0,
                over or 0.0,
                float(amount or 0),
            )
            for kind, record_id, currency_id, hours, over, amount in rows
        ]

    def _line_overrun(self, line, used):
        """Count ``line`` in ``used``; return its first overrun, if any."""
        env = self.env
        project, contract = line.project_id, line.contract_id
        # Counted before any overflow taken out of billing, which is
        # recomputed here from scratch.
        rate = line.bill_rate if line.is_billable else 0.0
        hours = line.billable_hours + line.budget_overflow_hours
        hours = hours if line.is_billable else 0.0
        amount = line.bill_currency_id.round(hours * rate) if rate else 0.0
        checks = []
        if project.budget_hours:
            checks.append(
                (
                    "project_hours",
                    project,
                    project.budget_hours,
                    line.unit_amount,
                    env._(
                        "the project's budget of %(limit)s h is exceeded "
                        "(%(total)s h logged)"
                    ),
                    project.budget_policy,
                    1.0,
                )
            )
        if project.budget_amount and line.bill_currency_id == project.currency_id:
            checks.append(
                (
                    "project_amount",
                    project,
                    project.budget_amount,
                    amount,
                    env._(
                        "the project's budget of %(limit)s is exceeded "
                        "(%(total)s billable)"
                    ),
                    project.budget_policy,
                    rate,
                )
            )
        if contract.cap_hours:
            checks.append(
                (
                    "contract_hours",
                    contract,
                    contract.cap_hours,
                    hours,
                    env._(
                        "the contract's cap of %(limit)s h is exceeded "
                        "(%(total)s h billable)"
                    ),
                    contract.budget_policy,
                    1.0,
                )
            )
        if contract.cap_amount and line.bill_currency_id == contract.currency_id:
            checks.append(
                (
                    "contract_amount",
                    contract,
                    contract.cap_amount,
                    amount,
                    env._(
                        "the contract's cap of %(limit)s is exceeded "
                        "(%(total)s billable)"
                    ),
                    contract.budget_policy,
                    rate,
                )
            )
        found = None
        for kind, record, limit, value, text, policy, per_hour in checks:
            total = used[kind, record.id] + value
            used[kind, record.id] = total
            if found or float_compare(total, limit, 2) <= 0:
                continue
            over = min(value, total - limit)
            # Hours over the budget, for an overflow policy: amounts are turned
            # back into hours at the line's rate.
            overflow_hours = over / per_hour if per_hour else 0.0
            found = (
                text % {"limit": f"{limit:g}", "total": f"{total:g}"},
                policy,
                min(overflow_hours, line.billable_hours),
            )
        return found
