#!/usr/bin/env python3
"""A week from logged time to a posted invoice, through Odoo's XML-RPC API.

Each step runs as the user whose job it is, with the logins of the demo
database (password = login): the employee logs a day and submits the week,
the project lead approves it, Finance approves it (Northwind's contract asks
for it), the accountant invoices the customer and posts the invoice.

    ./dev demo                   # in another terminal: Odoo on port 8069
    python3 examples/xmlrpc_week_to_invoice.py --db hr_timesheet_billing_demo

Only the Python standard library is needed. tests/test_xmlrpc_example.py runs
this file against a test server.
"""

import argparse
import datetime
import xmlrpc.client

PROJECT = "Northwind ERP Rollout"
TASK = "Sales and invoicing setup"


class Session:
    """One user's connection: ``session.call(model, method, *args, **kwargs)``."""

    def __init__(self, url, db, login, password, transport=None):
        common = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/common", transport=transport
        )
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"{login} could not log in to {db} at {url}")
        self.db, self.password, self.login = db, password, login
        self.models = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", transport=transport, allow_none=True
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )


def week_to_invoice(url, db, day, logins, transport=None):
    """Log 4 h on ``day`` (not in the future), take its week through approval
    and invoicing; return what was submitted, the line and its invoice.
    ``logins``: (login, password) of the employee, lead, Finance, accountant."""
    employee, lead, finance, accountant = (
        Session(url, db, login, password, transport) for login, password in logins
    )
    day = day.isoformat()

    # 1. The employee logs a day on a task and submits the week.
    [project_id] = employee.call(
        "project.project", "search", [("name", "=", PROJECT)], limit=1
    )
    [task_id] = employee.call(
        "project.task",
        "search",
        [("project_id", "=", project_id), ("name", "=", TASK)],
        limit=1,
    )
    line_id = employee.call(
        "account.analytic.line",
        "create",
        {
            "project_id": project_id,
            "task_id": task_id,
            "date": day,
            "name": "Go-live support (XML-RPC)",
            "unit_amount": 4.0,
        },
    )
    submitted = employee.call("account.analytic.line", "action_submit_my_week", day)

    # 2. The lead, then Finance, approve what waits for each of them.
    [logged] = employee.call("account.analytic.line", "read", [line_id], ["week_id"])
    week_id = logged["week_id"][0]
    for approver in (lead, finance):
        waiting = approver.call(
            "account.analytic.line",
            "search",
            [("week_id", "=", week_id), ("can_approve", "=", True)],
        )
        approver.call("account.analytic.line", "action_approve", waiting)

    # 3. The accountant invoices the customer's approved time up to that day
    #    and posts the invoice.
    [project] = employee.call("project.project", "read", [project_id], ["partner_id"])
    partner_id = project["partner_id"][0]
    wizard_id = accountant.call(
        "timesheet.billing.invoice",
        "create",
        {"date_to": day, "partner_ids": [(6, 0, [partner_id])]},
    )
    shown = accountant.call(
        "timesheet.billing.invoice", "action_create_invoices", [wizard_id]
    )
    invoice_ids = (
        [shown["res_id"]]
        if shown.get("res_id")
        else accountant.call("account.move", "search", shown["domain"])
    )
    accountant.call("account.move", "action_post", invoice_ids)
    [line] = accountant.call(
        "account.analytic.line", "read", [line_id], ["billing_state", "invoice_id"]
    )
    [invoice] = accountant.call(
        "account.move",
        "read",
        [line["invoice_id"][0]],
        ["name", "state", "amount_untaxed", "amount_total", "payment_state"],
    )
    return {"submitted": submitted, "line": line, "invoice": invoice}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="hr_timesheet_billing_demo")
    today = datetime.date.today()
    parser.add_argument(
        "--day",
        type=datetime.date.fromisoformat,
        # the demo's Marc logs 8 h on weekdays: a Saturday stays under the
        # demo rule's 10 hours a day
        default=today - datetime.timedelta(days=today.weekday() + 2),
        help="the day logged, YYYY-MM-DD (default: last Saturday)",
    )
    args = parser.parse_args()
    logins = [(login, login) for login in ("demo", "lead", "finance", "accountant")]
    result = week_to_invoice(args.url, args.db, args.day, logins)
    invoice, line = result["invoice"], result["line"]
    print(
        f"{result['submitted']} timesheets submitted; line {line['id']} is "
        f"{line['billing_state']} on {invoice['name']} ({invoice['state']}): "
        f"{invoice['amount_untaxed']:.2f} untaxed, "
        f"{invoice['amount_total']:.2f} total, {invoice['payment_state']}"
    )


if __name__ == "__main__":
    main()
