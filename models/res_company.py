from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_timesheet_billing_product(self):
        return self.env.ref(
            "hr_timesheet_billing.product_product_billable_time",
            raise_if_not_found=False,
        )

    timesheet_billing_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Default Timesheet Product",
        default=lambda self: self._default_timesheet_billing_product(),
        domain="[('type', '=', 'service'), ('company_id', 'in', [id, False])]",
        check_company=True,
        help="Service product invoiced for approved hours when a project names "
        "none: it carries the income account and the taxes of the invoice lines.",
    )
    timesheet_lock_date = fields.Date(
        help="No timesheet may be logged or changed on or before this date "
        "(rule: No entries on or before the lock date).",
    )
    timesheet_finance_approval = fields.Boolean(
        string="Finance Approval of Timesheets",
        help="Timesheets approved by the project lead are approved by Finance too "
        "before they can be invoiced (a contract can decide otherwise).",
    )
    timesheet_invoice_annex = fields.Boolean(
        string="Timesheet Annex on Invoices",
        help="Print, after the invoice lines, the timesheets they bill: date, "
        "employee, task, description and hours.",
    )
