from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    timesheet_billing_product_id = fields.Many2one(
        related="company_id.timesheet_billing_product_id",
        readonly=False,
    )
    timesheet_lock_date = fields.Date(
        related="company_id.timesheet_lock_date",
        readonly=False,
    )
    timesheet_finance_approval = fields.Boolean(
        related="company_id.timesheet_finance_approval",
        readonly=False,
    )
    timesheet_invoice_annex = fields.Boolean(
        related="company_id.timesheet_invoice_annex",
        readonly=False,
    )
