"""What the logging rules read about a batch of lines, read once per check.

Totals of other lines are read as sums in SQL, never line by line. Lines
changed in this transaction and not written yet (the entry being saved) are
counted from memory instead of being flushed first: a flush here would write a
new line's computed columns now and again after the rules, two UPDATEs of the
row instead of one.
"""

from collections import defaultdict
from datetime import timedelta
from itertools import product

from odoo import fields
from odoo.tools import SQL, float_compare

from .billing_states import BUDGET_OPEN_STATES

# Fields the sums read: a line holding unwritten values of these is counted
# from memory.
DAILY_FIELDS = ("project_id", "employee_id", "date", "unit_amount")
BUDGET_FIELDS = (
    "project_id",
    "contract_id",
    "bill_currency_id",
    "is_billable",
    "unit_amount",
    "budget_overflow_hours",
    "bill_amount",
    "billable_hours",
)
# Every timezone's today is within a day of UTC's (UTC-12 to UTC+14).
ONE_DAY = timedelta(days=1)


class RuleContext:
    """What several rules need about a batch of lines, read once."""

    def __init__(self, env, lines, logged=None, whole_days=()):
        self.env = env
        self.lines = lines
        # ``logged``: the lines, with those other apps manage; all the lines
        # of the days ``whole_days`` are among them (an entry's recheck)
        self.logged = logged
        self.whole_days = frozenset(whole_days)
        self._today = {}
        self._daily = None
        self._budget = None

    @property
    def utc_today(self):
        """Today for the server (UTC): every employee's today is within a day
        of it, so a date before it is in no one's future."""
        return fields.Datetime.now().date()

    def employee_today(self, employee):
        """Today in the employee's timezone (the company's when none)."""
        tz = employee.sudo().tz or self.env.user.tz or "UTC"
        if tz not in self._today:
            self._today[tz] = fields.Date.context_today(
                self.env["account.analytic.line"].with_context(tz=tz)
            )
        return self._today[tz]

    def _pending(self, fnames):
        """The lines holding values of ``fnames`` not written to the database
        yet, their computations done (what a flush would write)."""
        Line = self.env["account.analytic.line"].sudo()
        Line._recompute_model(list(fnames))
        ids = set()
        for fname in fnames:
            ids.update(self.env.cache.get_dirty_records(Line, Line._fields[fname])._ids)
        return Line.browse(sorted(ids))

    def daily_totals(self):
        """Hours per (employee, day), all lines of those days included."""
        if self._daily is None:
            days = {(line.employee_id.id, line.date) for line in self.lines}
            if days <= self.whole_days:
                # every line of those days is at hand: no query
                self._daily = _sum_days(self.logged, days)
            else:
                self._daily = self._read_daily_totals(days)
        return self._daily

    def _read_daily_totals(self, days):
        employees = sorted({employee for employee, _day in days})
        dates = sorted({day for _employee, day in days})
        pending = self._pending(DAILY_FIELDS)
        # SQL, not _read_group(): read on every entry, the ORM's grouping
        # machinery costs more than the query.
        rows = self.env.execute_query(
            SQL(
                """
                SELECT employee_id, date, SUM(unit_amount)
                  FROM account_analytic_line
                 WHERE project_id IS NOT NULL
                   AND employee_id = ANY(%s) AND date = ANY(%s)
                   AND id != ALL(%s)
                 GROUP BY employee_id, date
                """,
                employees,
                dates,
                pending.ids,
            )
        )
        daily = _sum_days(pending, set(product(employees, dates)))
        for employee, day, hours in rows:
            daily[employee, day] = daily.get((employee, day), 0.0) + hours
        return daily

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
        pending = self._pending(BUDGET_FIELDS)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT 'project', project_id, bill_currency_id,
                       SUM(unit_amount), SUM(budget_overflow_hours),
                       SUM(bill_amount) FILTER (WHERE is_billable)
                  FROM account_analytic_line
                 WHERE project_id = ANY(%(projects)s) AND id != ALL(%(skipped)s)
                 GROUP BY project_id, bill_currency_id
                 UNION ALL
                SELECT 'contract', contract_id, bill_currency_id,
                       SUM(billable_hours), 0, SUM(bill_amount)
                  FROM account_analytic_line
                 WHERE contract_id = ANY(%(contracts)s) AND id != ALL(%(skipped)s)
                   AND is_billable
                 GROUP BY contract_id, bill_currency_id
                """,
                projects=projects.ids,
                contracts=contracts.ids,
                skipped=(checked | pending).ids,
            )
        )
        sums = [
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
        for line in pending - checked:
            currency_id = line.bill_currency_id.id
            if line.project_id in projects:
                amount = line.bill_amount if line.is_billable else 0.0
                sums.append(
                    (
                        "project",
                        line.project_id.id,
                        currency_id,
                        line.unit_amount,
                        line.budget_overflow_hours,
                        amount,
                    )
                )
            if line.is_billable and line.contract_id in contracts:
                sums.append(
                    (
                        "contract",
                        line.contract_id.id,
                        currency_id,
                        line.billable_hours,
                        0.0,
                        line.bill_amount,
                    )
                )
        return sums

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


def _sum_days(lines, days):
    """Hours of ``lines`` (those with a project) per (employee, day) of
    ``days``."""
    daily = defaultdict(float)
    for line in lines:
        key = (line.employee_id.id, line.date)
        if line.project_id and key in days:
            daily[key] += line.unit_amount
    return dict(daily)
