import importlib.util
from datetime import date
from pathlib import Path

from odoo.tests import HttpCase, tagged
from odoo.tests.common import Transport

from .common import set_up_flow

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
        cls.users, _employee, project = set_up_flow(
            cls.env, "rpc", 120.0, cls.example.PROJECT, "Northwind Traders"
        )
        cls.env["project.task"].create(
            {"name": cls.example.TASK, "project_id": project.id}
        )

    def test_week_from_logging_to_posted_invoice(self):
        result = self.example.week_to_invoice(
            self.base_url(),
            self.env.cr.dbname,
            date(2026, 3, 7),
            [(user.login, user.login) for user in self.users.values()],
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
            [(log.event, log.to_state, log.user_id.login) for log in logs],
            [
                ("approval", "submitted", "rpc_employee"),
                ("approval", "lead_approved", "rpc_lead"),
                ("approval", "approved", "rpc_finance"),
                ("invoiced", False, "rpc_accountant"),
            ],
        )
        self.assertEqual(line.invoice_id.create_uid.login, "rpc_accountant")
