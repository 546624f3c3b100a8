"""Beside Odoo's sale_timesheet: run by ``./dev test`` in a database where
sale_timesheet is installed too, skipped elsewhere."""

from datetime import date
from unittest import SkipTest

from odoo import Command
from odoo.modules.registry import Registry
from odoo.tests import Form, tagged
from odoo.tests.common import get_db_name

from . import test_invoicing


@tagged("post_install", "-at_install")
class TestBesideSaleTimesheet(test_invoicing.TestInvoicing):
    """The invoicing tests again, plus the sales-order cases."""

    @classmethod
    def setUpClass(cls):
        if "sale.order" not in Registry(get_db_name()):
            raise SkipTest("sale_timesheet is not installed in this database")
        super().setUpClass()
        cls.timesheet_service = cls.env["product.product"].create(
            {
                "name": "Consulting (sales orders)",
                "type": "service",
                "service_type": "timesheet",
                "invoice_policy": "delivery",
                "list_price": 90.0,
                "uom_id": cls.env.ref("uom.product_uom_hour").id,
                "uom_po_id": cls.env.ref("uom.product_uom_hour").id,
            }
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner_a.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.timesheet_service.id, "product_uom_qty": 10}
                    )
                ],
            }
        )
        cls.order.action_confirm()
        cls.order_line = cls.order.order_line

    def test_both_billing_types_keep_their_own_values(self):
        self.project.write(
            {"billing_type": "manually", "timesheet_billing_type": "fixed_price"}
        )
        self.project.flush_recordset()
        self.env.cr.execute(
            "SELECT billing_type, timesheet_billing_type FROM project_project"
            " WHERE id = %s",
            [self.project.id],
        )
        self.assertEqual(self.env.cr.fetchone(), ("manually", "fixed_price"))

    def test_lines_of_a_sales_order_are_left_out(self):
        ours = self.approved((self.ann, date(2026, 3, 10), 4.0))
        theirs = self.approved((self.bob, date(2026, 3, 12), 5.0))
        theirs.sudo().so_line = self.order_line
        self.assertEqual(theirs.billing_state, "approved")
        wizard = Form(self.env["timesheet.billing.invoice"].with_user(self.accountant))
        wizard.date_to = date(2026, 3, 31)
        self.assertIn("billed through a sales order", wizard.preview)
        invoice = self.invoice()
        # Only Ann's 4 h x 100.00: Bob's 5 h belong to the sales order.
        self.assertAlmostEqual(invoice.amount_untaxed, 400.0)
        self.assertEqual(invoice.invoice_line_ids.timesheet_line_ids, ours)
        self.assertFalse(theirs.invoice_line_id)
        self.assertEqual(self.order_line.qty_delivered, 5.0)

    def test_a_sales_order_never_takes_lines_we_invoiced(self):
        lines = self.standard_month()
        invoice = self.invoice()
        self.assertEqual(lines.timesheet_invoice_id, invoice)
        # The project is now sold through the order: sale_timesheet links the
        # time not billed yet to it, and leaves ours alone.
        self.project.sudo().write(
            {"allow_billable": True, "sale_line_id": self.order_line.id}
        )
        late = self.approved((self.bob, date(2026, 3, 30), 1.0))
        self.assertEqual(late.so_line, self.order_line)
        self.assertFalse(lines.so_line)
        self.assertEqual(self.order_line.qty_delivered, 1.0)
        invoice.button_cancel()
        # Cancelled: ready to invoice again, for us; for sale_timesheet, its
        # invoice is cancelled, so not billed (its own _is_not_billed()).
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertEqual(lines.timesheet_invoice_id.state, "cancel")
        self.assertTrue(all(line._is_not_billed() for line in lines))
