from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .timesheet_billing_analysis import usage_of
from .timesheet_billing_rule import BUDGET_POLICIES, BUDGET_POLICY_HELP


class ProjectProject(models.Model):
    _name = "project.project"
    _inherit = ["project.project", "timesheet.billing.status.mixin"]

    timesheet_billing_type = fields.Selection(
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
    budget_policy = fields.Selection(
        selection=BUDGET_POLICIES, tracking=True, help=BUDGET_POLICY_HELP
    )
    budget_hours_used = fields.Float(
        compute="_compute_budget_used",
        help="Hours logged on the project, against its budget of hours.",
    )
    budget_amount_used = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_budget_used",
        help="Billable value of the project's time (in its currency), against its "
        "budget amount.",
    )
    budget_hours_percent = fields.Float(
        string="Hours Consumed (%)", compute="_compute_budget_used"
    )
    budget_amount_percent = fields.Float(
        string="Amount Consumed (%)", compute="_compute_budget_used"
    )
    is_over_budget = fields.Boolean(compute="_compute_budget_used")
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

    @api.depends("budget_hours", "budget_amount")
    def _compute_budget_used(self):
        Line = self.env["account.analytic.line"]
        hours = dict(
            Line._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["unit_amount:sum"]
            )
        )
        amounts = {}
        for project, currency, amount in Line._read_group(
            [("project_id", "in", self.ids), ("is_billable", "=", True)],
            ["project_id", "bill_currency_id"],
            ["bill_amount:sum"],
        ):
            # only the value billed in the budget's currency counts (as the
            # budget rule does)
            if currency == project.currency_id:
                amounts[project] = amount
        for project in self:
            project.budget_hours_used = hours.get(project, 0.0)
            project.budget_amount_used = amounts.get(project, 0.0)
            (
                project.budget_hours_percent,
                project.budget_amount_percent,
                project.is_over_budget,
            ) = usage_of(
                project.budget_hours_used,
                project.budget_hours,
                project.budget_amount_used,
                project.budget_amount,
            )

    @api.constrains("billing_code", "company_id")
    def _check_billing_code_unique(self):
        """A code names one project per company; a project shared between
        companies (no company) shares its code with all of them."""
        coded = self.filtered("billing_code")
        if not coded:
            return
        namesakes = self.with_context(active_test=False).search(
            [("billing_code", "in", coded.mapped("billing_code"))]
        )
        for project in coded:
            twin = namesakes.filtered(
                lambda other, project=project: (
                    other != project
                    and other.billing_code == project.billing_code
                    and (
                        not other.company_id
                        or not project.company_id
                        or other.company_id == project.company_id
                    )
                )
            )[:1]
            if twin:
                raise ValidationError(
                    self.env._(
                        "Billing code %(code)s of project %(project)s is already the "
                        "code of project %(other)s: a code names one project per "
                        "company.",
                        code=project.billing_code,
                        project=project.display_name,
                        other=twin.display_name,
                    )
                )

    @api.onchange("partner_id")
    def _onchange_partner_id_timesheet_billing_type(self):
        if not self._origin.id:  # only while the project is being created
            self.timesheet_billing_type = (
                "time_material" if self.partner_id else "non_billable"
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "timesheet_billing_type" not in vals and vals.get("partner_id"):
                vals["timesheet_billing_type"] = "time_material"
        return super().create(vals_list)

    @api.model
    def _init_timesheet_billing_type_from_customer(self):
        """At install, projects that have a customer are billed by the hour."""
        self.with_context(active_test=False).search(
            [
                ("partner_id", "!=", False),
                ("timesheet_billing_type", "=", "non_billable"),
            ]
        ).timesheet_billing_type = "time_material"

    def _timesheet_status_domain(self):
        return [("project_id", "in", self.ids)]

    def _billing_overview_domain(self):
        return [("project_id", "in", self.ids)]

    def _timesheet_status_groupby(self):
        return "project_id"

    def _timesheet_status_key(self, project):
        return project
