from odoo import api, fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    billing_type = fields.Selection(
        selection=[
            ("time_material", "Time & Material"),
            ("fixed_price", "Fixed Price"),
            ("non_billable", "Non-billable"),
        ],
        required=True,
        default="non_billable",
        tracking=True,
        help="Time & Material: approved hours are invoiced at their rate. Fixed "
        "Price: hours are tracked against the budget, not invoiced by the hour. "
        "Non-billable: internal time. New projects with a customer default to "
        "Time & Material.",
    )
    billing_code = fields.Char(
        copy=False,
        tracking=True,
        help="The project's code, unique in the company, shown on invoice lines.",
    )
    invoice_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Invoiced Service",
        check_company=True,
        domain="[('type', '=', 'service')]",
        default=lambda self: self.env.company.timesheet_billing_product_id,
        help="The service invoiced for this project's hours: its income account "
        "and taxes go on the invoice lines.",
    )
    budget_hours = fields.Float(tracking=True)
    budget_amount = fields.Monetary(currency_field="currency_id", tracking=True)
    billing_assignment_ids = fields.One2many(
        comodel_name="timesheet.billing.assignment",
        inverse_name="project_id",
        string="Billing Roles",
        copy=True,
    )
    contract_ids = fields.Many2many(
        comodel_name="timesheet.billing.contract",
        relation="timesheet_billing_contract_project_rel",
        column1="project_id",
        column2="contract_id",
        string="Contracts",
        copy=False,
    )

    _sql_constraints = [
        (
            "billing_code_company_uniq",
            "unique(billing_code, company_id)",
            "A project billing code must be unique in its company.",
        ),
    ]

    @api.onchange("partner_id")
    def _onchange_partner_id_billing_type(self):
        if not self._origin.id:  # only while the project is being created
            self.billing_type = "time_material" if self.partner_id else "non_billable"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "billing_type" not in vals and vals.get("partner_id"):
                vals["billing_type"] = "time_material"
        return super().create(vals_list)

    @api.model
    def _init_billing_type_from_customer(self):
        """At install, projects that have a customer are billed by the hour."""
        self.with_context(active_test=False).search(
            [("partner_id", "!=", False), ("billing_type", "=", "non_billable")]
        ).billing_type = "time_material"
