"""Monday morning at scale, run by ``./dev bench --load``.

Two halves, in two processes:

- ``seed(env, flavour, employees, out)`` runs inside ``odoo-bin shell`` on a
  scratch database: ``employees`` people, each with a user, an API key (as an
  integration logs in) and a task of their own on one of four shared projects
  with a budget of hours and a contract capped in hours (``ours``: both bill
  up to their limit); a lead per project; two accountants. It writes what the
  clients need to ``out`` (JSON).
- ``drive(url, database, seed)`` is the clients, over XML-RPC against Odoo
  started in prefork mode (``--workers``): every employee logs last week (a
  request per day) and, with the addon, submits it (one request), 20
  requests in flight; then the leads approve their projects at once, then two
  accountants invoice two projects each at once. Each request is timed.

``plain`` is hr_timesheet alone, on the same people, projects and entries:
its employees log the same week and have nothing to submit.
"""

import json
import math
import statistics
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

PROJECTS = 4
DAYS = 5
HOURS = 8.0
IN_FLIGHT = 20
WARM_UP = 2 * IN_FLIGHT  # untimed entries before the morning
# A budget and a cap each employee's share of the week goes over, so that
# entries are checked against them and the last hours of the week are kept
# out of billing.
BUDGET_SHARE = 0.6  # of the project's hours of the week
CAP_SHARE = 0.8


def last_monday(today):
    return today - timedelta(days=today.weekday() + 7)


# ---------------------------------------------------------------- seeding


def seed(env, flavour, employees, out):
    """Create the people and projects; write the clients' credentials."""
    company = env.company
    group = env.ref
    monday = last_monday(date.today())
    week_hours = employees * DAYS * HOURS / PROJECTS

    def users(prefix, count, groups):
        created = env["res.users"].create(
            [
                {
                    "name": f"{prefix.title()} {index:03d}",
                    "login": f"load_{prefix}_{index:03d}",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [group(xmlid).id for xmlid in groups])],
                    "tz": "UTC",
                }
                for index in range(count)
            ]
        )
        # An API key each: checked at 6,000 rounds, where a password costs
        # 600,000 in every worker that first sees the user.
        return [
            (
                user,
                env["res.users.apikeys"]
                .with_user(user)
                .sudo()
                ._generate(None, "load benchmark", None),
            )
            for user in created
        ]

    employee_users = users(
        "employee", employees, ["hr_timesheet.group_hr_timesheet_user"]
    )
    warm_user, warm_key = users("warmup", 1, ["hr_timesheet.group_hr_timesheet_user"])[
        0
    ]
    lead_users = users("lead", PROJECTS, ["hr_timesheet.group_hr_timesheet_approver"])
    accountant_groups = ["account.group_account_invoice"]
    accountant_users = users("accountant", 2, accountant_groups)
    partners = env["res.partner"].create(
        [
            {"name": f"Load Customer {index}", "is_company": True}
            for index in range(PROJECTS)
        ]
    )
    projects = env["project.project"].create(
        [
            {
                "name": f"Load Project {index}",
                "partner_id": partner.id,
                "user_id": lead.id,
                "allow_timesheets": True,
            }
            for index, (partner, (lead, _key)) in enumerate(
                zip(partners, lead_users, strict=True)
            )
        ]
    )
    hr_employees = env["hr.employee"].create(
        [
            {
                "name": user.name,
                "user_id": user.id,
                "company_id": company.id,
                "tz": "UTC",
            }
            for user, _key in employee_users
        ]
    )
    # Warming the workers up: an employee and a project (no budget) of their own.
    warm_project = env["project.project"].create(
        {"name": "Load warm-up", "allow_timesheets": True}
    )
    warm_employee = env["hr.employee"].create(
        {"name": warm_user.name, "user_id": warm_user.id, "company_id": company.id}
    )
    # a task per request: requests on one task collide on its totals (Odoo's)
    warm_tasks = env["project.task"].create(
        [
            {"name": f"Warm-up {index}", "project_id": warm_project.id}
            for index in range(WARM_UP)
        ]
    )
    tasks = env["project.task"].create(
        [
            {
                "name": f"Work of {employee.name}",
                "project_id": projects[index % PROJECTS].id,
            }
            for index, employee in enumerate(hr_employees)
        ]
    )
    if flavour == "ours":
        role = env["timesheet.billing.role"].create({"name": "Load", "code": "LOAD"})
        env["timesheet.billing.rate"].create({"role_id": role.id, "hourly_rate": 100.0})
        hr_employees.billing_role_id = role
        projects.write(
            {"budget_hours": BUDGET_SHARE * week_hours, "budget_policy": "overflow"}
        )
        env["timesheet.billing.contract"].create(
            [
                {
                    "name": f"Contract of {project.name}",
                    "partner_id": project.partner_id.id,
                    "project_ids": [(6, 0, project.ids)],
                    "date_start": monday - timedelta(days=30),
                    "cap_hours": CAP_SHARE * week_hours,
                    "budget_policy": "overflow",
                }
                for project in projects
            ]
        )
        if not env["timesheet.billing.rule"].search([("rule_type", "=", "budget")]):
            env["timesheet.billing.rule"].create(
                {"name": "Budgets and caps", "rule_type": "budget", "severity": "warn"}
            )
    env.cr.commit()
    data = {
        "flavour": flavour,
        "monday": monday.isoformat(),
        "company": company.id,
        "employees": [
            {
                "uid": user.id,
                "key": key,
                "employee": employee.id,
                "project": task.project_id.id,
                "task": task.id,
            }
            for (user, key), employee, task in zip(
                employee_users, hr_employees, tasks, strict=True
            )
        ],
        "warmup": {
            "uid": warm_user.id,
            "key": warm_key,
            "employee": warm_employee.id,
            "project": warm_project.id,
            "tasks": warm_tasks.ids,
        },
        "leads": [
            {"uid": user.id, "key": key, "project": project.id}
            for (user, key), project in zip(lead_users, projects, strict=True)
        ],
        "accountants": [
            {"uid": user.id, "key": key, "projects": projects[index::2].ids}
            for index, (user, key) in enumerate(accountant_users)
        ],
    }
    with open(out, "w") as file:
        json.dump(data, file)


# ---------------------------------------------------------------- clients


class Client:
    """Timed XML-RPC calls; one proxy per thread (they are not thread-safe)."""

    def __init__(self, url, database):
        self.url = url
        self.database = database
        self.local = threading.local()
        self.lock = threading.Lock()
        self.calls = []  # (kind, seconds, error or None)

    def _proxy(self):
        if not hasattr(self.local, "proxy"):
            self.local.proxy = xmlrpc.client.ServerProxy(
                f"{self.url}/xmlrpc/2/object", allow_none=True
            )
        return self.local.proxy

    def call(self, kind, who, model, method, *args, **kwargs):
        started = time.perf_counter()
        error, result = None, None
        try:
            result = self._proxy().execute_kw(
                self.database, who["uid"], who["key"], model, method, list(args), kwargs
            )
        except Exception as exc:  # a failed request is counted, not raised  # noqa: BLE001
            error = f"{type(exc).__name__}: {str(exc)[-300:]}"
            self.local.__dict__.pop("proxy", None)
        with self.lock:
            self.calls.append((kind, time.perf_counter() - started, error))
        return result


def _employee_week(client, person, monday, submit):
    for day in range(DAYS):
        client.call(
            "log",
            person,
            "account.analytic.line",
            "create",
            {
                "name": "Monday morning",
                "project_id": person["project"],
                "task_id": person["task"],
                "date": (monday + timedelta(days=day)).isoformat(),
                "unit_amount": HOURS,
            },
        )
    if submit:
        client.call(
            "submit",
            person,
            "account.analytic.line",
            "action_submit_my_week",
            monday.isoformat(),
        )


def _approve(client, lead):
    ids = client.call(
        "approve",
        lead,
        "account.analytic.line",
        "search",
        [("project_id", "=", lead["project"]), ("billing_state", "=", "submitted")],
    )
    if ids:
        client.call("approve", lead, "account.analytic.line", "action_approve", ids)


def _invoice(client, accountant, data):
    sunday = date.fromisoformat(data["monday"]) + timedelta(days=6)
    wizard = client.call(
        "invoice",
        accountant,
        "timesheet.billing.invoice",
        "create",
        {
            "company_id": data["company"],
            "project_ids": [(6, 0, accountant["projects"])],
            "date_to": sunday.isoformat(),
        },
    )
    if wizard:
        client.call(
            "invoice",
            accountant,
            "timesheet.billing.invoice",
            "action_create_invoices",
            [wizard],
        )


def _phase(client, name, jobs, workers):
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return name, time.perf_counter() - started


def _warm_up(url, database, data, monday):
    """Untimed entries of an employee of their own, as many at once as the
    clients will send: every worker has served entries before the morning
    (a server runs all day; its first requests would measure its start)."""
    client = Client(url, database)
    person = data["warmup"]

    def entry(task):
        values = {
            "name": "Warm-up",
            "project_id": person["project"],
            "task_id": task,
            "date": monday.isoformat(),
            "unit_amount": 0.25,
        }
        client.call("warm-up", person, "account.analytic.line", "create", values)

    _phase(
        client,
        "warm-up",
        [lambda task=task: entry(task) for task in person["tasks"]],
        IN_FLIGHT,
    )
    failed = [error for _kind, _seconds, error in client.calls if error]
    if failed:
        raise RuntimeError(f"the warm-up failed: {failed[0]}")


def drive(url, database, data):
    """Run the morning; return each phase's wall time and the timed calls."""
    client = Client(url, database)
    monday = date.fromisoformat(data["monday"])
    ours = data["flavour"] == "ours"
    _warm_up(url, database, data, monday)
    walls = dict(
        [
            _phase(
                client,
                "week",
                [
                    lambda person=person: _employee_week(client, person, monday, ours)
                    for person in data["employees"]
                ],
                IN_FLIGHT,
            )
        ]
    )
    if ours:
        walls.update(
            [
                _phase(
                    client,
                    "approve",
                    [
                        lambda lead=lead: _approve(client, lead)
                        for lead in data["leads"]
                    ],
                    len(data["leads"]),
                ),
                _phase(
                    client,
                    "invoice",
                    [
                        lambda accountant=accountant: _invoice(client, accountant, data)
                        for accountant in data["accountants"]
                    ],
                    len(data["accountants"]),
                ),
            ]
        )
        # What the morning produced, read by the leads (not timed).
        checked = Client(url, database)
        walls["invoiced_lines"] = sum(
            checked.call(
                "check",
                lead,
                "account.analytic.line",
                "search_count",
                [
                    ("project_id", "=", lead["project"]),
                    ("billing_state", "=", "invoiced"),
                ],
            )
            or 0
            for lead in data["leads"]
        )
    return {"walls": walls, "calls": client.calls}


def summary(calls, kinds):
    """Count, failures, median, p95 and max latency of the calls of ``kinds``."""
    times = sorted(
        seconds for kind, seconds, error in calls if kind in kinds and not error
    )
    failed = [error for kind, _seconds, error in calls if kind in kinds and error]
    if not times and not failed:
        return None
    if not times:
        return {"requests": len(failed), "failed": len(failed), "errors": failed[:5]}
    p95 = times[math.ceil(0.95 * len(times)) - 1]  # nearest rank
    return {
        "requests": len(times) + len(failed),
        "failed": len(failed),
        "errors": sorted(set(failed))[:5],
        "median": statistics.median(times),
        "p95": p95,
        "max": times[-1],
    }
