import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .timesheet_billing_analysis import usage_of
from .timesheet_billing_rule import BUDGET_POLICIES, BUDGET_POLICY_HELP

_logger = logging.getLogger(__name__)


class TimesheetBillingContract(models.Model):
    """An agreement with a customer covering projects over a period, with
    optional caps, the customer's reference and an invoicing cycle."""

    _name = "timesheet.billing.contract"
    _description = "Billing Contract"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    project_ids = fields.Many2many(
        comodel_name="project.project",
        relation="timesheet_billing_contract_project_rel",
        column1="contract_id",
        column2="project_id",
        string="Projects",
        check_company=True,
    )
    date_start = fields.Date(required=True, tracking=True)
    date_end = fields.Date(tracking=True, help="Empty: open-ended.")
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    cap_hours = fields.Float(
        string="Cap (hours)", tracking=True, help="0: no cap in hours."
    )
    cap_amount = fields.Monetary(
        string="Cap (amount)", tracking=True, help="0: no cap in amount."
    )
    budget_policy = fields.Selection(
        selection=BUDGET_POLICIES, tracking=True, help=BUDGET_POLICY_HELP
    )
    finance_approval = fields.Selection(
        selection=[
            ("company", "As the company says"),
            ("required", "Required"),
            ("not_required", "Not required"),
        ],
        required=True,
        default="company",
        tracking=True,
        help="Whether this contract's timesheets need Finance's approval after "
        "the project lead's.",
    )
    customer_reference = fields.Char(
        tracking=True,
        help="The customer's reference (purchase order number), copied to invoices.",
    )
    invoicing_cycle = fields.Selection(
        selection=[
            ("manual", "Manual"),
            ("weekly", "Weekly"),
            ("monthly", "Monthly"),
        ],
        required=True,
        default="monthly",
        tracking=True,
        help="How often draft invoices are prepared for this contract.",
    )
    last_invoice_date = fields.Date(
        string="Invoiced up to",
        readonly=True,
        copy=False,
        help="End of the last period the scheduled invoicing has billed.",
    )
    note = fields.Html()
    timesheet_ids = fields.One2many(
        comodel_name="account.analytic.line",
        inverse_name="contract_id",
        string="Timesheets",
    )
    consumed_hours = fields.Float(compute="_compute_consumed")
    consumed_amount = fields.Monetary(compute="_compute_consumed")
    consumed_hours_percent = fields.Float(
        string="Hours Consumed (%)", compute="_compute_consumed"
    )
    consumed_amount_percent = fields.Float(
        string="Amount Consumed (%)", compute="_compute_consumed"
    )
    is_over_cap = fields.Boolean(compute="_compute_consumed")

    @api.depends(
        "cap_hours",
        "cap_amount",
        "timesheet_ids.billable_hours",
        "timesheet_ids.bill_amount",
        "timesheet_ids.is_billable",
    )
    def _compute_consumed(self):
        groups = {
            contract: (hours, amount)
            for contract, hours, amount in self.env[
                "account.analytic.line"
            ]._read_group(
                [("contract_id", "in", self.ids), ("is_billable", "=", True)],
                ["contract_id"],
                ["billable_hours:sum", "bill_amount:sum"],
            )
        }
        for contract in self:
            contract.consumed_hours, contract.consumed_amount = groups.get(
                contract, (0.0, 0.0)
            )
            (
                contract.consumed_hours_percent,
                contract.consumed_amount_percent,
                contract.is_over_cap,
            ) = usage_of(
                contract.consumed_hours,
                contract.cap_hours,
                contract.consumed_amount,
                contract.cap_amount,
            )

    @api.constrains("date_start", "date_end", "cap_hours", "cap_amount")
    def _check_values(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s ends (%(end)s) before it starts "
                        "(%(start)s).",
                        contract=contract.name,
                        start=contract.date_start,
                        end=contract.date_end,
                    )
                )
            if contract.cap_hours < 0 or contract.cap_amount < 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: caps cannot be negative.",
                        contract=contract.name,
                    )
                )

    @api.constrains("partner_id", "project_ids")
    def _check_project_customer(self):
        for contract in self:
            customer = contract.partner_id.commercial_partner_id
            for project in contract.project_ids:
                partner = project.partner_id.commercial_partner_id
                if partner and partner != customer:
                    raise ValidationError(
                        self.env._(
                            "Project %(project)s is for %(partner)s, not for "
                            "%(customer)s, the customer of contract %(contract)s.",
                            project=project.display_name,
                            partner=partner.display_name,
                            customer=customer.display_name,
                            contract=contract.name,
                        )
                    )

    @api.constrains("project_ids", "date_start", "date_end", "active")
    def _check_one_contract_per_project_and_day(self):
        """A timesheet line must know its contract: no two running contracts may
        cover the same project on the same day."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT contract.id, other.id, link.project_id
                  FROM timesheet_billing_contract contract
                  JOIN timesheet_billing_contract_project_rel link
                    ON link.contract_id = contract.id
                  JOIN timesheet_billing_contract_project_rel other_link
                    ON other_link.project_id = link.project_id
                   AND other_link.contract_id != contract.id
                  JOIN timesheet_billing_contract other
                    ON other.id = other_link.contract_id AND other.active
                 WHERE contract.id IN %s AND contract.active
                   -- the two periods overlap (an empty end is open)
                   AND other.date_start <= COALESCE(contract.date_end, 'infinity')
                   AND contract.date_start <= COALESCE(other.date_end, 'infinity')
                 LIMIT 1
                """,
                tuple(self.ids),
            )
        )
        if rows:
            contract_id, other_id, project_id = rows[0]
            raise ValidationError(
                self.env._(
                    "Project %(project)s is in contracts %(contract)s and %(other)s, "
                    "whose dates overlap: a project belongs to one contract at a "
                    "time.",
                    project=self.env["project.project"].browse(project_id).display_name,
                    contract=self.browse(contract_id).name,
                    other=self.browse(other_id).name,
                )
            )

    # ------------------------------------------------- scheduled invoicing

    def _get_period_end(self, today):
        """End of the last complete invoicing period before ``today``."""
        self.ensure_one()
        if self.invoicing_cycle == "weekly":
            return today - timedelta(days=today.weekday() + 1)  # last Sunday
        return today.replace(day=1) - timedelta(days=1)  # end of last month

    @api.model
    def _get_contracts_to_invoice_domain(self, today):
        """Contracts whose cycle asks for draft invoices (hook)."""
        return [
            ("invoicing_cycle", "in", ("weekly", "monthly")),
            ("date_start", "<=", today),
        ]

    @api.model
    def _cron_create_draft_invoices(self, batch_size=20):
        """Draft invoices for every contract whose period ended, a batch of
        contracts per commit; a contract that fails is logged and skipped."""
        today = fields.Date.context_today(self)
        contracts = self.search(self._get_contracts_to_invoice_domain(today))
        due = contracts.filtered(
            lambda contract: (
                not contract.last_invoice_date
                or contract.last_invoice_date < contract._get_period_end(today)
            )
        )
        for start in range(0, len(due), batch_size):
            for contract in due[start : start + batch_size]:
                contract._create_scheduled_invoice(today)
            done = min(start + batch_size, len(due))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(due) - done)
            _logger.info(
                "Scheduled invoicing: batch done, %s of %s contracts", done, len(due)
            )
            if not getattr(threading.current_thread(), "testing", False):
                # One batch of contracts per transaction: a long run never
                # hits the worker's time limit and keeps what it did.
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _create_scheduled_invoice(self, today):
        self.ensure_one()
        period_end = self._get_period_end(today)
        engine = self.env["timesheet.billing.invoicing"].with_company(self.company_id)
        request = engine._make_request(
            company=self.company_id,
            contracts=self,
            date_to=period_end,
            grouping="contract",
            invoice_date=today,
        )
        try:
            with self.env.cr.savepoint():
                # Lines another run is invoicing right now are that run's.
                engine._create_invoices(
                    engine._get_invoiceable(request), request, refuse_nothing=False
                )
                self.last_invoice_date = period_end
        except Exception:
            _logger.exception(
                "Scheduled invoicing of contract %s (%s) failed; the others go on.",
                self.name,
                self.id,
            )
