import importlib.util
from datetime import date
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import Transport

EXAMPLE = Path(__file__).resolve().parents[1] / "examples/xmlrpc_week_to_invoice.py"


def load_example():
    spec = importlib.util.spec_from_file_location("xmlrpc_week_to_invoice", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestXmlrpcExample(HttpCase):
    """The README's XML-RPC example, run against the test server as the four
    users it names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.example = load_example()
        cls.env.company.timesheet_finance_approval = True
        groups = {
            "rpc_employee": "hr_timesheet.group_hr_timesheet_user",
            "rpc_lead": "hr_timesheet.group_hr_timesheet_approver",
            "rpc_finance": "hr_timesheet_billing.group_timesheet_billing_finance",
            "rpc_accountant": "account.group_account_invoice",
        }
        cls.users = {
            login: new_test_user(
                cls.env,
                login=login,
                password=login,
                groups=f"base.group_user,{group}",
            )
            for login, group in groups.items()
        }
        role = cls.env["timesheet.billing.role"].create(
            {"name": "Consultant", "code": "CON"}
        )
        cls.env["timesheet.billing.rate"].create(
            {"role_id": role.id, "hourly_rate": 120.0}
        )
        cls.env["hr.employee"].create(
            {
                "name": "Rita RPC",
                "user_id": cls.users["rpc_employee"].id,
                "billing_role_id": role.id,
            }
        )
        customer = cls.env["res.partner"].create({"name": "Northwind Traders"})
        project = cls.env["project.project"].create(
            {
                "name": cls.example.PROJECT,
                "partner_id": customer.id,
                "user_id": cls.users["rpc_lead"].id,
            }
        )
        cls.env["project.task"].create(
            {"name": cls.example.TASK, "project_id": project.id}
        )

    def test_week_from_logging_to_posted_invoice(self):
        result = self.example.week_to_invoice(
            self.base_url(),
            self.env.cr.dbname,
            date(2026, 3, 7),
            [(login, login) for login in self.users],
            transport=Transport(self.cr),
        )
        self.assertEqual(result["submitted"], 1)
        self.assertEqual(result["line"]["billing_state"], "invoiced")
        invoice = result["invoice"]
        # 4 h x 120.00 = 480.00; the service's 15 % sales tax: 552.00
        self.assertEqual(
            (invoice["state"], invoice["amount_untaxed"], invoice["amount_total"]),
            ("posted", 480.0, 552.0),
        )
        self.assertEqual(invoice["payment_state"], "not_paid")
        line = self.env["account.analytic.line"].browse(result["line"]["id"])
        logs = line.week_id.approval_log_ids.sorted("id")
        self.assertEqual(
            [(log.to_state, log.user_id.login) for log in logs],
            [
                ("submitted", "rpc_employee"),
                ("lead_approved", "rpc_lead"),
                ("approved", "rpc_finance"),
                ("invoiced", "rpc_accountant"),
            ],
        )
        self.assertEqual(line.invoice_id.create_uid.login, "rpc_accountant")
