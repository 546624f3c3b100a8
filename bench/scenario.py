"""One benchmark scenario, run inside ``odoo-bin shell`` by ``./dev bench``.

``run(env, flavour, size, phases, out)`` seeds a month of time in the current
(scratch) database and measures each phase: wall time and SQL queries, every
phase in its own transaction, committed, with Odoo's caches emptied first.

Flavours, each in a database of its own:

- ``plain``: hr_timesheet and account only: creating the lines;
- ``ours``: with hr_timesheet_billing: creating, submitting, approving, then
  invoicing with the wizard and posting (or the scheduled job, phase ``cron``);
- ``sale``: Odoo's sale_timesheet: creating the lines on tasks sold by sales
  orders, invoicing the orders with Odoo's wizard, posting.

The same people log the same hours on the same projects in all three: 50
customers with one project each (a task per role), ``size / 100`` employees in
four roles logging five 1.5 h lines a working day of October 2026.
"""

import collections
import cProfile
import io
import json
import logging
import os
import pstats
import re
import resource
import time
from datetime import date, timedelta

from odoo import Command
from odoo.tools import SQL

CUSTOMERS = 50
LINES_PER_DAY = 5
HOURS_PER_LINE = 1.5
BATCH = 1000  # lines per create() call, as an import would do
MONTH_START = date(2026, 10, 1)
MONTH_END = date(2026, 10, 31)
INVOICE_DATE = date(2026, 11, 2)
ROLES = [  # code, name, hourly rate, hourly cost
    ("JUN", "Junior", 80.0, 35.0),
    ("CON", "Consultant", 100.0, 45.0),
    ("SEN", "Senior", 120.0, 55.0),
    ("PTR", "Partner", 160.0, 80.0),
]


def working_days():
    day, days = MONTH_START, []
    while day <= MONTH_END:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bench:
    def __init__(self, env, flavour, size):
        self.env = env
        self.flavour = flavour
        self.size = size
        self.results = {}

    # ------------------------------------------------------------ measuring

    def measure(self, name, function, env):
        env.flush_all()
        env.cr.commit()
        env.invalidate_all()
        profiling = name in os.environ.get("BENCH_PROFILE", "").split(",")
        if profiling:
            return self._profile(name, function, env)
        queries = env.cr.sql_log_count
        started = time.perf_counter()
        cpu_started = time.process_time()
        result = function(env)
        env.flush_all()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        self.results[name] = {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "queries": env.cr.sql_log_count - queries,
            **(result if isinstance(result, dict) else {}),
        }
        env.cr.commit()
        env.invalidate_all()
        return result

    def _profile(self, name, function, env):
        """``BENCH_PROFILE=approve,...``: where the time and the queries go,
        written next to the results (not measured: profiling slows it down)."""
        cursor_class = type(env.cr)
        execute = cursor_class.execute
        shapes = collections.Counter()

        def counting_execute(cursor, query, params=None, log_exceptions=True):
            text = query.code if hasattr(query, "code") else str(query)
            shapes[re.sub(r"\s+", " ", text)[:160]] += 1
            return execute(cursor, query, params, log_exceptions)

        cursor_class.execute = counting_execute
        profile = cProfile.Profile()
        try:
            profile.enable()
            function(env)
            env.flush_all()
            profile.disable()
        finally:
            cursor_class.execute = execute
        # the raw profile too, for pstats or snakeviz
        profile.dump_stats(f"{self.out}.{name}.prof")
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("cumulative").print_stats(60)
        text.write("\n\nThis addon's functions, by cumulative time:\n")
        stats.print_stats("hr_timesheet_billing/(models|wizards)", 40)
        text.write("\n\nThis addon's functions, by own time:\n")
        stats.sort_stats("tottime").print_stats(
            "hr_timesheet_billing/(models|wizards)", 25
        )
        text.write("\n\nQueries by shape:\n")
        for shape, count in shapes.most_common(40):
            text.write(f"{count:7d}  {shape}\n")
        with open(f"{self.out}.{name}.profile.txt", "w") as file:
            file.write(text.getvalue())
        env.cr.commit()
        env.invalidate_all()

    # ------------------------------------------------------------ seeding

    def seed(self):
        env = self.env
        company = env.company
        self.lead = env["res.users"].create(
            {
                "name": "Bench Lead",
                "login": "bench_lead",
                "groups_id": [
                    Command.link(env.ref("hr_timesheet.group_hr_timesheet_approver").id)
                ],
            }
        )
        self.admin = env.ref("base.user_admin")
        partners = env["res.partner"].create(
            [
                {"name": f"Customer {index:02d}", "is_company": True}
                for index in range(CUSTOMERS)
            ]
        )
        employee_count = self.size // (LINES_PER_DAY * len(working_days()))
        self.employees = env["hr.employee"].create(
            [
                {
                    "name": f"Employee {index:04d}",
                    "hourly_cost": ROLES[index % len(ROLES)][3],
                    "company_id": company.id,
                }
                for index in range(employee_count)
            ]
        )
        projects = env["project.project"].create(
            [
                {
                    "name": f"Project {partner.name}",
                    "partner_id": partner.id,
                    "user_id": self.lead.id,
                    "allow_timesheets": True,
                }
                for partner in partners
            ]
        )
        tasks = env["project.task"].create(
            [
                {"name": f"{name} work", "project_id": project.id}
                for project in projects
                for _code, name, _rate, _cost in ROLES
            ]
        )
        self.partners, self.projects = partners, projects
        # task of (project index, role index)
        self.tasks = {
            (index // len(ROLES), index % len(ROLES)): task
            for index, task in enumerate(tasks)
        }
        getattr(self, f"_seed_{self.flavour}")()
        env.cr.commit()

    def _seed_plain(self):
        pass

    def _seed_ours(self):
        env = self.env
        roles = env["timesheet.billing.role"].create(
            [{"name": name, "code": code} for code, name, _rate, _cost in ROLES]
        )
        env["timesheet.billing.rate"].create(
            [
                {"role_id": role.id, "hourly_rate": rate}
                for role, (_code, _name, rate, _cost) in zip(roles, ROLES, strict=True)
            ]
        )
        for index, role in enumerate(roles):
            self.employees[index :: len(ROLES)].billing_role_id = role
        env["timesheet.billing.contract"].create(
            [
                {
                    "name": f"Contract {project.partner_id.name}",
                    "partner_id": project.partner_id.id,
                    "project_ids": [Command.set(project.ids)],
                    "date_start": MONTH_START,
                    "invoicing_cycle": "monthly",
                }
                for project in self.projects
            ]
        )

    def _seed_sale(self):
        env = self.env
        hour = env.ref("uom.product_uom_hour")
        products = env["product.product"].create(
            [
                {
                    "name": f"{name} hour",
                    "type": "service",
                    "service_type": "timesheet",
                    "invoice_policy": "delivery",
                    "service_tracking": "no",
                    "list_price": rate,
                    "uom_id": hour.id,
                    "uom_po_id": hour.id,
                }
                for _code, name, rate, _cost in ROLES
            ]
        )
        self.orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 1})
                        for product in products
                    ],
                }
                for partner in self.partners
            ]
        )
        self.orders.action_confirm()
        for project_index, (project, order) in enumerate(
            zip(self.projects, self.orders, strict=True)
        ):
            project.write(
                {"allow_billable": True, "sale_line_id": order.order_line[0].id}
            )
            for role_index, order_line in enumerate(order.order_line):
                self.tasks[project_index, role_index].sale_line_id = order_line

    # ------------------------------------------------------------ phases

    def line_values(self):
        days = working_days()
        project_count = len(self.projects)
        values = []
        for employee_index, employee in enumerate(self.employees):
            role_index = employee_index % len(ROLES)
            for day_index, day in enumerate(days):
                for slot in range(LINES_PER_DAY):
                    project_index = (
                        employee_index * 7 + day_index * 3 + slot
                    ) % project_count
                    task = self.tasks[project_index, role_index]
                    values.append(
                        {
                            "name": f"Work {slot}",
                            "employee_id": employee.id,
                            "project_id": task.project_id.id,
                            "task_id": task.id,
                            "date": day,
                            "unit_amount": HOURS_PER_LINE,
                        }
                    )
        return values

    def phase_create(self):
        values = self.line_values()

        def create(env):
            Line = env["account.analytic.line"].with_user(self.admin)
            for start in range(0, len(values), BATCH):
                Line.create(values[start : start + BATCH])
            return {"lines": len(values)}

        self.measure("create", create, self.env)

    def _lines(self, env):
        return env["account.analytic.line"].search(
            [("project_id", "in", self.projects.ids)]
        )

    def phase_submit(self):
        self.measure(
            "submit",
            lambda env: self._lines(env).with_user(self.admin).action_submit(),
            self.env,
        )

    def phase_approve(self):
        self.measure(
            "approve",
            lambda env: self._lines(env).with_user(self.lead).action_approve(),
            self.env,
        )

    def phase_invoice(self):
        def invoice(env):
            wizard = (
                env["timesheet.billing.invoice"]
                .with_user(self.admin)
                .create(
                    {
                        "date_to": MONTH_END,
                        "invoice_date": INVOICE_DATE,
                        "grouping": "partner",
                        "line_detail": "role",
                    }
                )
            )
            action = wizard.action_create_invoices()
            moves = env["account.move"].search(action["domain"])
            return {
                "invoices": len(moves),
                "invoice_lines": len(moves.invoice_line_ids),
            }

        self.measure("invoice", invoice, self.env)
        floor_vals = self._floor_values(self.env)
        self.measure("post", self._post, self.env)
        self._measure_floor(floor_vals)

    def _floor_values(self, env):
        """The values of the draft invoices just made, without the timesheets:
        what Odoo's own account.move create() and action_post() cost for the
        same invoices is the floor the engine is measured against."""
        moves = env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "draft")]
        )
        return [
            {
                "move_type": "out_invoice",
                "partner_id": move.partner_id.id,
                "currency_id": move.currency_id.id,
                "journal_id": move.journal_id.id,
                "invoice_date": move.invoice_date,
                "invoice_date_due": move.invoice_date_due,
                "fiscal_position_id": move.fiscal_position_id.id,
                "invoice_payment_term_id": move.invoice_payment_term_id.id,
                "ref": move.ref,
                "invoice_origin": move.invoice_origin,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "name": line.name,
                            "quantity": line.quantity,
                            "product_uom_id": line.product_uom_id.id,
                            "price_unit": line.price_unit,
                            "analytic_distribution": line.analytic_distribution,
                        }
                    )
                    for line in move.invoice_line_ids
                ],
            }
            for move in moves
        ]

    def _measure_floor(self, vals_list):
        """Create and post ``vals_list`` with Odoo alone (no timesheet), timed
        as the phases are, then rolled back: the floor of invoicing."""
        env = self.env
        env.cr.commit()
        env.invalidate_all()
        for name, step in (("floor_invoice", "create"), ("floor_post", "post")):
            # each step starts with caches emptied, as the phases measured
            # against it do (posting would otherwise find its invoices read)
            env.flush_all()
            env.invalidate_all()
            queries = env.cr.sql_log_count
            started = time.perf_counter()
            if step == "create":
                moves = (
                    env["account.move"]
                    .with_user(self.admin)
                    .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
                    .create(vals_list)
                )
            else:
                moves.action_post()
            env.flush_all()
            self.results[name] = {
                "seconds": round(time.perf_counter() - started, 3),
                "queries": env.cr.sql_log_count - queries,
                "invoices": len(moves),
            }
        env.cr.rollback()
        env.invalidate_all()

    def phase_sale_invoice(self):
        def invoice(env):
            orders = self.orders.with_env(env).with_user(self.admin)
            env["sale.advance.payment.inv"].with_user(self.admin).with_context(
                active_model="sale.order", active_ids=orders.ids
            ).create({"advance_payment_method": "delivered"}).create_invoices()
            moves = orders.invoice_ids
            return {
                "invoices": len(moves),
                "invoice_lines": len(moves.invoice_line_ids),
            }

        self.measure("invoice", invoice, self.env)
        self.measure("post", self._post, self.env)

    def _post(self, env):
        moves = env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "draft")]
        )
        moves.with_user(self.admin).action_post()
        hours = sum(moves.invoice_line_ids.mapped("quantity"))
        return {"invoices": len(moves), "hours": hours}

    def phase_cron(self):
        """The scheduled job of draft invoices, run as the scheduler runs it."""
        batches = []

        class Progress(logging.Handler):
            def emit(self, record):
                batches.append(record.getMessage())

        logger = logging.getLogger("odoo.addons.hr_timesheet_billing")
        handler = Progress(level=logging.INFO)
        logger.addHandler(handler)
        rss_before = peak_rss_mb()

        def run_job(env):
            cron = env.ref("hr_timesheet_billing.ir_cron_create_draft_invoices")
            cron.method_direct_trigger()
            moves = env["account.move"].search([("move_type", "=", "out_invoice")])
            progress = env["ir.cron.progress"].search(
                [("cron_id", "=", cron.id)], order="id desc", limit=1
            )
            return {
                "invoices": len(moves),
                "invoiced_lines": env["account.analytic.line"].search_count(
                    [("billing_state", "=", "invoiced")]
                ),
                "progress_done": progress.done,
                "progress_remaining": progress.remaining,
            }

        try:
            self.measure("cron", run_job, self.env)
        finally:
            logger.removeHandler(handler)
        self.results["cron"].update(
            {
                "progress_reports": [m for m in batches if "batch done" in m],
                "rss_before_mb": round(rss_before),
                "rss_peak_mb": round(peak_rss_mb()),
            }
        )

    def phase_lookup(self):
        """Finding the lines ready to invoice among ``lookup_rows`` lines: the
        month's invoiced lines copied back over the years and once forward as
        approved (November, ``size`` lines ready), in SQL; then the wizard's
        search, timed 5 times, with its plan, and once more without the
        partial indexes of open lines and of lines to invoice (dropped in a
        transaction rolled back)."""
        env = self.env
        cr = env.cr
        started = time.perf_counter()
        cr.execute(
            "SELECT count(*) FROM account_analytic_line WHERE date BETWEEN %s AND %s",
            [MONTH_START, MONTH_END],
        )
        month_lines = cr.fetchone()[0]
        history = max(-(-self.lookup_rows // month_lines) - 2, 0)
        self._copy_month("invoiced", range(-history, 0))
        self._copy_month("approved", [1])
        cr.execute("ANALYZE account_analytic_line")
        cr.commit()
        generated = time.perf_counter() - started
        cr.execute("SELECT count(*) FROM account_analytic_line")
        rows = cr.fetchone()[0]
        wizard = (
            env["timesheet.billing.invoice"]
            .with_user(self.admin)
            .create({"date_to": date(2026, 11, 30)})
        )
        contract = env["timesheet.billing.contract"].search([], limit=1)
        one_contract = (
            env["timesheet.billing.invoice"]
            .with_user(self.admin)
            .create(
                {
                    "date_to": date(2026, 11, 30),
                    "contract_ids": [Command.set(contract.ids)],
                }
            )
        )
        results = {
            "rows": rows,
            "generate_seconds": round(generated, 1),
            "all": self._time_search(wizard),
            "one_contract": self._time_search(one_contract),
        }
        cr.execute(
            "DROP INDEX account_analytic_line_billing_open_index,"
            " account_analytic_line_to_invoice_index"
        )
        results["all_without_partial_index"] = self._time_search(wizard)
        cr.rollback()
        self.results["lookup"] = results

    def _copy_month(self, state, month_offsets):
        """Copy the month's lines ``month_offsets`` months away, in ``state``
        (invoiced copies keep the invoice links; approved ones have none)."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'account_analytic_line' AND column_name != 'id'
            """
        )
        columns = [row[0] for row in cr.fetchall()]
        replaced = {
            "date": SQL("(line.date + make_interval(months => shift))::date"),
            "billing_state": SQL("%s", state),
            "week_id": SQL("NULL"),
        }
        if state != "invoiced":
            # approved and not invoiced: the ledger's columns say so
            replaced.update(
                {
                    "invoice_line_id": SQL("NULL"),
                    "invoice_id": SQL("NULL"),
                    "invoiced_hours": SQL("0"),
                    "to_invoice_hours": SQL("line.billable_hours"),
                    "to_invoice_amount": SQL("line.bill_amount"),
                }
            )
        cr.execute(
            SQL(
                """
                INSERT INTO account_analytic_line (%s)
                SELECT %s
                  FROM account_analytic_line line, unnest(%s::int[]) AS shift
                 WHERE line.project_id IN %s
                   AND line.date BETWEEN %s AND %s
                """,
                SQL(", ").join(SQL.identifier(name) for name in columns),
                SQL(", ").join(
                    replaced.get(name, SQL("line.%s", SQL.identifier(name)))
                    for name in columns
                ),
                list(month_offsets),
                tuple(self.projects.ids),
                MONTH_START,
                MONTH_END,
            )
        )

    def _time_search(self, wizard, runs=5):
        """Median wall time of the wizard's search of ready lines, its result
        and the indexes of its plan."""
        env = self.env
        engine = env["timesheet.billing.invoicing"]
        timings = []
        for _run in range(runs):
            env.invalidate_all()
            started = time.perf_counter()
            found = engine._get_invoiceable(wizard._get_request())
            timings.append((time.perf_counter() - started) * 1000)
        query = (
            env["account.analytic.line"]
            .sudo()
            ._search(
                engine._get_invoiceable_domain(wizard._get_request()),
                order="date, id",
            )
        )
        env.cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", query.select()))
        plan = env.cr.fetchone()[0][0]
        return {
            "found": len(found),
            "median_ms": round(sorted(timings)[runs // 2], 1),
            "runs_ms": [round(timing, 1) for timing in timings],
            "plan": sorted(set(_plan_nodes(plan["Plan"]))),
        }


def _plan_nodes(node):
    """``"Index Scan on <index>"``-like labels of a JSON plan's nodes."""
    label = node["Node Type"]
    if node.get("Index Name"):
        label += f" using {node['Index Name']}"
    elif node.get("Relation Name"):
        label += f" on {node['Relation Name']}"
    yield label
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def run(env, flavour, size, phases, out, seed=True, lookup_rows=0):
    bench = Bench(env, flavour, size)
    bench.out = out
    bench.lookup_rows = lookup_rows
    if seed:
        bench.seed()
    for phase in phases:
        getattr(bench, f"phase_{phase}")()
    with open(out, "w") as file:
        json.dump(
            {"flavour": flavour, "size": size, "results": bench.results}, file, indent=1
        )
