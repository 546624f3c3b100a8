from odoo import api, fields, models
from odoo.tools import SQL

from .billing_states import UNBILLED_STATES
from .timesheet_billing_approval_mixin import BILLING_STATES

AGE_BUCKETS = [
    ("0_30", "0-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("over_90", "Over 90 days"),
]


def percent_of(part, whole):
    """``part`` as a percentage of ``whole``; 0 when ``whole`` is 0 (no
    budget, nothing invoiced)."""
    return 100.0 * part / whole if whole else 0.0


def usage_of(hours, hours_limit, amount, amount_limit):
    """How much of a budget or cap in hours and in amount is used:
    ``(hours %, amount %, whether either is over 100 %)``."""
    hours_percent = percent_of(hours, hours_limit)
    amount_percent = percent_of(amount, amount_limit)
    return hours_percent, amount_percent, hours_percent > 100 or amount_percent > 100


class TimesheetBillingAnalysis(models.Model):
    """Profitability and unbilled work, one row per timesheet line.

    A database view: amounts in the company's currency (a line billed in
    another currency is converted at the rate of its date), cost as
    hr_timesheet records it (hours × the employee's hourly cost), invoiced
    amount the share of a line's value the billing ledger says is invoiced,
    unbilled the rest of the value of the lines submitted, approved by a lead
    or approved.
    """

    _name = "timesheet.billing.analysis"
    _description = "Timesheet Billing Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "line_id"
    # what the view reads: Odoo writes these to the database before querying it
    _depends = {
        "account.analytic.line": [
            "date",
            "company_id",
            "project_id",
            "task_id",
            "employee_id",
            "billing_role_id",
            "contract_id",
            "billing_state",
            "is_billable",
            "invoice_id",
            "unit_amount",
            "billable_hours",
            "bill_amount",
            "bill_currency_id",
            "amount",
        ],
        "project.project": ["partner_id"],
        "project.task": ["partner_id"],
        "res.partner": ["commercial_partner_id"],
        "hr.employee": ["user_id"],
        "timesheet.billing.contract": ["invoicing_cycle"],
        "res.company": ["currency_id"],
        "res.currency.rate": ["rate", "name", "currency_id", "company_id"],
    }

    line_id = fields.Many2one(
        comodel_name="account.analytic.line", string="Timesheet", readonly=True
    )
    date = fields.Date(readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    project_id = fields.Many2one(comodel_name="project.project", readonly=True)
    task_id = fields.Many2one(comodel_name="project.task", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Customer", readonly=True
    )
    employee_id = fields.Many2one(comodel_name="hr.employee", readonly=True)
    user_id = fields.Many2one(comodel_name="res.users", readonly=True)
    billing_role_id = fields.Many2one(
        comodel_name="timesheet.billing.role", readonly=True
    )
    contract_id = fields.Many2one(
        comodel_name="timesheet.billing.contract", readonly=True
    )
    billing_state = fields.Selection(
        selection=BILLING_STATES, string="Approval", readonly=True
    )
    is_billable = fields.Boolean(string="Billable", readonly=True)
    invoice_id = fields.Many2one(comodel_name="account.move", readonly=True)
    hours = fields.Float(string="Hours Worked", readonly=True)
    billable_hours = fields.Float(readonly=True)
    value = fields.Monetary(
        string="Billable Value", currency_field="currency_id", readonly=True
    )
    invoiced_amount = fields.Monetary(currency_field="currency_id", readonly=True)
    unbilled_amount = fields.Monetary(
        string="Unbilled Value", currency_field="currency_id", readonly=True
    )
    cost = fields.Monetary(currency_field="currency_id", readonly=True)
    margin = fields.Monetary(currency_field="currency_id", readonly=True)
    # Of a row, margin / invoiced; of a group, the same ratio of its sums
    # (read_group), never an average of the rows' percentages.
    margin_percent = fields.Float(string="Margin (%)", readonly=True, aggregator="avg")
    age_bucket = fields.Selection(
        selection=AGE_BUCKETS,
        string="Age",
        readonly=True,
        help="Age of unbilled work: days since the line's date.",
    )
    expected_invoice_date = fields.Date(
        readonly=True,
        help="When the contract's cycle invoices this unbilled line: the Monday "
        "after its week (weekly), the first of the next month (monthly); never "
        "before today. Empty for manual contracts and lines without one.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT line.id,
                   line.id AS line_id,
                   line.date,
                   line.company_id,
                   company.currency_id,
                   line.project_id,
                   line.task_id,
                   COALESCE(task_partner.commercial_partner_id,
                            project_partner.commercial_partner_id) AS partner_id,
                   line.employee_id,
                   employee.user_id,
                   line.billing_role_id,
                   line.contract_id,
                   line.billing_state,
                   line.is_billable,
                   line.invoice_id,
                   line.unit_amount AS hours,
                   CASE WHEN line.is_billable THEN line.billable_hours ELSE 0 END
                       AS billable_hours,
                   value.amount AS value,
                   billed.amount AS invoiced_amount,
                   CASE WHEN line.billing_state IN %(open)s
                        THEN value.amount - billed.amount
                        ELSE 0 END AS unbilled_amount,
                   -line.amount AS cost,
                   billed.amount + line.amount AS margin,
                   CASE WHEN billed.amount != 0
                        THEN 100 * (billed.amount + line.amount) / billed.amount
                        ELSE 0 END AS margin_percent,
                   CASE WHEN line.billing_state NOT IN %(open)s THEN NULL
                        WHEN %(today)s::date - line.date <= 30 THEN '0_30'
                        WHEN %(today)s::date - line.date <= 60 THEN '31_60'
                        WHEN %(today)s::date - line.date <= 90 THEN '61_90'
                        ELSE 'over_90' END AS age_bucket,
                   -- GREATEST ignores NULL: no cycle, no date
                   CASE WHEN line.billing_state NOT IN %(open)s
                          OR contract.invoicing_cycle IS DISTINCT FROM 'weekly'
                         AND contract.invoicing_cycle IS DISTINCT FROM 'monthly'
                        THEN NULL
                        ELSE GREATEST(%(today)s::date, CASE contract.invoicing_cycle
                            WHEN 'weekly' THEN date_trunc('week', line.date)::date + 7
                            WHEN 'monthly' THEN (
                                date_trunc('month', line.date) + interval '1 month'
                            )::date
                            END) END AS expected_invoice_date
              FROM account_analytic_line line
              JOIN res_company company ON company.id = line.company_id
              JOIN project_project project ON project.id = line.project_id
         LEFT JOIN res_partner project_partner
                ON project_partner.id = project.partner_id
         LEFT JOIN project_task task ON task.id = line.task_id
         LEFT JOIN res_partner task_partner ON task_partner.id = task.partner_id
         LEFT JOIN hr_employee employee ON employee.id = line.employee_id
         LEFT JOIN timesheet_billing_contract contract ON contract.id = line.contract_id
              -- the billable value in the company's currency, at the rate of
              -- the line's date (rates are units per unit of the company's)
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN NOT line.is_billable THEN 0
                              WHEN line.bill_currency_id = company.currency_id
                              THEN line.bill_amount
                              ELSE line.bill_amount
                                   * timesheet_billing_rate_at(
                                       company.currency_id, line.company_id,
                                       line.date)
                                   / timesheet_billing_rate_at(
                                       line.bill_currency_id, line.company_id,
                                       line.date)
                         END AS amount
              ) value
              -- the share of it the ledger says is invoiced (a line partly
              -- credited is partly invoiced, partly unbilled)
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN line.is_billable AND line.billable_hours > 0
                              THEN (value.amount * LEAST(GREATEST(
                                       COALESCE(line.invoiced_hours, 0), 0)
                                       / line.billable_hours, 1))::numeric
                              ELSE 0 END AS amount
              ) billed
             WHERE line.project_id IS NOT NULL
            """,
            open=UNBILLED_STATES,
            # the user's today, not the database server's
            today=fields.Date.context_today(self),
        )

    def init(self):
        # The rate of a currency at a date for a company, as Odoo reads it:
        # its latest rate on or before that day, the company's own first, 1
        # when it has none.
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION timesheet_billing_rate_at(
                currency integer, company integer, day date
            ) RETURNS numeric LANGUAGE sql STABLE AS $$
                SELECT COALESCE((
                    SELECT rate FROM res_currency_rate
                     WHERE currency_id = currency
                       AND name <= day
                       AND (company_id = company OR company_id IS NULL)
                     ORDER BY company_id IS NULL, name DESC
                     LIMIT 1
                ), 1.0)::numeric
            $$
            """
        )
        return super().init()

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        names = {spec.split(":")[0] for spec in fields}
        ratio = "margin_percent" in names
        extra = [name for name in ("margin", "invoiced_amount") if name not in names]
        result = super().read_group(
            domain,
            fields + extra if ratio else fields,
            groupby,
            offset=offset,
            limit=limit,
            orderby=orderby,
            lazy=lazy,
        )
        if ratio:
            for group in result:
                group["margin_percent"] = percent_of(
                    group.get("margin") or 0.0, group.get("invoiced_amount") or 0.0
                )
        return result
