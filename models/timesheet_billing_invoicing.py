import math
from contextvars import ContextVar
from typing import NamedTuple

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from .billing_states import UNBILLED_STATES

ACCOUNTANT_GROUP = "account.group_account_invoice"

# Set while the engine creates its invoices: only then may invoice lines be
# given their ledger entries (a flag no RPC caller can set, unlike a context).
ENGINE_WRITING = ContextVar("timesheet_billing_engine_writing", default=False)


class InvoicingRequest(NamedTuple):
    """What to invoice and how: the filters and options of one run."""

    company: models.BaseModel
    date_to: fields.Date
    invoice_date: fields.Date
    journal: models.BaseModel
    grouping: str  # partner, project or contract: one invoice per …
    line_detail: str  # role, employee, task or timesheet: one line per …
    partners: models.BaseModel
    projects: models.BaseModel
    contracts: models.BaseModel
    timesheets: models.BaseModel  # only these, when opened from a selection


class InvoiceKey(NamedTuple):
    """What one draft invoice is made per."""

    partner: models.BaseModel
    currency: models.BaseModel
    project: models.BaseModel  # empty unless one invoice per project
    contract: models.BaseModel  # empty unless one invoice per contract


class LineKey(NamedTuple):
    """What one invoice line is made per."""

    project: models.BaseModel
    detail: models.BaseModel  # the role, employee, task or timesheet
    rate: float
    rate_currency: models.BaseModel


class PlanGroup(NamedTuple):
    """Approved timesheets alike in all an invoice line is made of."""

    project: models.BaseModel
    task: models.BaseModel
    contract: models.BaseModel
    bill_currency: models.BaseModel
    bill_rate: float
    detail: models.BaseModel
    timesheet_ids: list
    to_invoice_hours: list  # of each of timesheet_ids, in the same order
    first_date: fields.Date
    last_date: fields.Date


class PlanLine:
    """The timesheets one invoice line bills, and the hours of each."""

    def __init__(self, model):
        self._model = model
        self.hours_by_id = {}
        self.contracts = model.env["timesheet.billing.contract"]
        self.first_date = self.last_date = None

    def add(self, group):
        # the hours come with the group's ids, from the same grouped query:
        # nothing is read line by line, whatever the number of timesheets
        self.hours_by_id.update(
            zip(group.timesheet_ids, group.to_invoice_hours, strict=True)
        )
        self.contracts |= group.contract
        self.first_date = min(filter(None, [self.first_date, group.first_date]))
        self.last_date = max(filter(None, [self.last_date, group.last_date]))

    @property
    def timesheets(self):
        return self._model.browse(self.hours_by_id)

    @property
    def hours(self):
        """``{timesheet: hours to bill}``: what each has left to invoice."""
        timesheets = self.timesheets
        return {
            timesheets.browse(line_id): hours
            for line_id, hours in self.hours_by_id.items()
        }

    @property
    def quantity(self):
        return math.fsum(self.hours_by_id.values())


class TimesheetBillingInvoicing(models.AbstractModel):
    """The invoicing engine: which approved timesheets to invoice, the draft
    invoices that bill them and the billing ledger's entries, in one batch.
    Used by Invoice Timesheets, the contracts' scheduled job and the external
    API (``invoice_timesheets``) alike."""

    _name = "timesheet.billing.invoicing"
    _description = "Timesheet Invoicing"

    # ------------------------------------------------------------ request

    @api.model
    def _make_request(self, **options):
        """An ``InvoicingRequest`` with defaults for what is not given."""
        company = options.get("company") or self.env.company
        today = fields.Date.context_today(self)
        journal = options.get("journal") or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        empty = {
            "partners": self.env["res.partner"],
            "projects": self.env["project.project"],
            "contracts": self.env["timesheet.billing.contract"],
            "timesheets": self.env["account.analytic.line"],
        }
        return InvoicingRequest(
            company=company,
            date_to=options.get("date_to") or today,
            invoice_date=options.get("invoice_date") or today,
            journal=journal,
            grouping=options.get("grouping") or "partner",
            line_detail=options.get("line_detail") or "role",
            **{name: options.get(name) or empty[name] for name in empty},
        )

    @api.model
    def invoice_timesheets(self, date_to=None, **options):
        """External API: create the draft invoices of the approved timesheets
        up to ``date_to``; return their ids. Options: ``company_id``,
        ``invoice_date``, ``journal_id``, ``grouping``, ``line_detail``,
        ``partner_ids``, ``project_ids``, ``contract_ids``, ``timesheet_ids``."""
        if not self.env.user.has_group(ACCOUNTANT_GROUP):
            raise AccessError(
                self.env._(
                    "Only invoicing users create invoices (%(user)s is not one).",
                    user=self.env.user.name,
                )
            )
        company = self.env["res.company"].browse(
            options.get("company_id") or self.env.company.id
        )
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "%(user)s may not invoice for %(company)s.",
                    user=self.env.user.name,
                    company=company.name,
                )
            )
        request = self.with_company(company)._make_request(
            company=company,
            date_to=fields.Date.to_date(date_to),
            invoice_date=fields.Date.to_date(options.get("invoice_date")),
            journal=self.env["account.journal"].browse(options.get("journal_id")),
            grouping=options.get("grouping"),
            line_detail=options.get("line_detail"),
            partners=self.env["res.partner"].browse(options.get("partner_ids") or []),
            projects=self.env["project.project"].browse(
                options.get("project_ids") or []
            ),
            contracts=self.env["timesheet.billing.contract"].browse(
                options.get("contract_ids") or []
            ),
            timesheets=self.env["account.analytic.line"].browse(
                options.get("timesheet_ids") or []
            ),
        )
        engine = self.with_company(company)
        invoices, _locked = engine._create_invoices(
            engine._get_invoiceable(request), request
        )
        return invoices.ids

    # ---------------------------------------------------------- selection

    @api.model
    def _get_candidate_domain(self, request):
        """Timesheets a run looks at, invoiceable or not (hook)."""
        domain = [
            ("project_id", "!=", False),
            ("company_id", "=", request.company.id),
            ("date", "<=", request.date_to),
            ("billing_state", "in", UNBILLED_STATES),
        ]
        if request.timesheets:
            domain.append(("id", "in", request.timesheets.ids))
        if request.projects:
            domain.append(("project_id", "in", request.projects.ids))
        if request.contracts:
            domain.append(("contract_id", "in", request.contracts.ids))
        if request.partners:
            domain.append(
                (
                    "project_id.partner_id.commercial_partner_id",
                    "in",
                    request.partners.commercial_partner_id.ids,
                )
            )
        return domain

    @api.model
    def _get_invoiceable_domain(self, request):
        """The candidates ready to invoice (hook): approved, billable, with
        hours no invoice bills yet, not billed through a sales order. Served
        by the partial index of open lines, however many invoiced ones the
        table holds."""
        Line = self.env["account.analytic.line"]
        ready = [
            ("billing_state", "=", "approved"),
            ("to_invoice_hours", ">", 0),
        ]
        if "so_line" in Line._fields:
            ready.append(("so_line", "=", False))
        return expression.AND([self._get_candidate_domain(request), ready])

    @api.model
    def _get_invoiceable(self, request):
        """The timesheets to invoice. Accountants invoice time they may not
        browse (projects, contracts, rates are the leads' and billing
        managers'): read as superuser, within the company and the filters."""
        return (
            self.env["account.analytic.line"]
            .sudo()
            .search(self._get_invoiceable_domain(request), order="date, id")
        )

    @api.model
    def _get_left_out(self, request, invoiceable):
        """The candidates of ``request`` that are not invoiced."""
        candidates = (
            self.env["account.analytic.line"]
            .sudo()
            .search(self._get_candidate_domain(request), order="date, id")
        )
        return candidates - invoiceable

    @api.model
    def _left_out_reasons(self, lines):
        """Why each of these candidates is not invoiced: ``{line: reason}``."""
        Line = self.env["account.analytic.line"]
        states = dict(Line._fields["billing_state"].selection)
        reasons = dict(Line._fields["non_billable_reason"].selection)
        has_sale = "so_line" in lines._fields
        left_out = {}
        for line in lines:
            if line.billing_state != "approved":
                left_out[line] = self.env._(
                    "not approved (%(state)s)", state=states[line.billing_state]
                )
            elif has_sale and line.so_line:
                left_out[line] = self.env._("billed through a sales order")
            elif not line.is_billable:
                left_out[line] = reasons.get(line.non_billable_reason) or self.env._(
                    "not billable"
                )
            elif line.billable_hours > 0 and line.invoiced_hours > 0:
                left_out[line] = self.env._("already invoiced")
            else:
                left_out[line] = self.env._("no billable hours")
        return left_out

    # --------------------------------------------------------------- plan

    @api.model
    def _invoice_currency(self, group):
        """Invoices are in the contract's currency, else the rate's (hook)."""
        return group.contract.currency_id or group.bill_currency

    @api.model
    def _invoice_key(self, group, request):
        """The invoice a group of timesheets goes on (hook)."""
        customer = group.task.partner_id or group.project.partner_id
        return InvoiceKey(
            partner=customer.commercial_partner_id,
            currency=self._invoice_currency(group),
            project=group.project
            if request.grouping == "project"
            else group.project.browse(),
            contract=group.contract
            if request.grouping == "contract"
            else group.contract.browse(),
        )

    @api.model
    def _line_key(self, group):
        """The invoice line a group of timesheets goes on (hook)."""
        return LineKey(
            project=group.project,
            detail=group.detail,
            rate=group.bill_rate,
            rate_currency=group.bill_currency,
        )

    @api.model
    def _get_detail_field(self, request):
        """The timesheet field one invoice line is made per (hook)."""
        return {
            "role": "billing_role_id",
            "employee": "employee_id",
            "task": "task_id",
            "timesheet": "id",
        }[request.line_detail]

    @api.model
    def _plan(self, lines, request):
        """``{InvoiceKey: {LineKey: PlanLine}}``, in the order of the first
        day each bills: one grouped query over the lines, whatever their
        number, then a loop over the groups only."""
        groups = lines._read_group(
            [("id", "in", lines.ids)],
            [
                "project_id",
                "task_id",
                "contract_id",
                "bill_currency_id",
                "bill_rate",
                self._get_detail_field(request),
            ],
            ["id:array_agg", "to_invoice_hours:array_agg", "date:min", "date:max"],
        )
        groups = [PlanGroup(*values) for values in groups]
        groups.sort(key=lambda group: (group.first_date, min(group.timesheet_ids)))
        plan = {}
        for group in groups:
            details = plan.setdefault(self._invoice_key(group, request), {})
            details.setdefault(self._line_key(group), PlanLine(lines)).add(group)
        return plan

    @api.model
    def _prepare_invoice_vals(self, invoice_key, details, request):
        """Values of one draft customer invoice (hook); ``details``:
        ``{LineKey: PlanLine}``."""
        partner, currency = invoice_key.partner, invoice_key.currency
        company = request.company
        contracts = self.env["timesheet.billing.contract"].union(
            *(plan_line.contracts for plan_line in details.values())
        )
        projects = self.env["project.project"].union(
            *(line_key.project for line_key in details)
        )
        codes = sorted(set(filter(None, projects.sudo().mapped("billing_code"))))
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(partner)
        )
        payment_term = partner.with_company(company).property_payment_term_id
        vals = {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "journal_id": request.journal.id,
            "invoice_date": request.invoice_date,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": payment_term.id,
            "ref": ", ".join(filter(None, contracts.mapped("customer_reference")))
            or False,
            "invoice_origin": self.env._(
                "Timesheets up to %(date)s %(codes)s",
                date=request.date_to,
                codes=", ".join(codes),
            ).strip(),
            "invoice_line_ids": [
                Command.create(
                    self._prepare_invoice_line_vals(key, plan_line, currency, request)
                )
                for key, plan_line in details.items()
            ],
        }
        if not payment_term:
            # Without terms Odoo makes an invoice due the day it is created;
            # one dated earlier (the end of last month) is due on its date.
            vals["invoice_date_due"] = request.invoice_date
        return vals

    @api.model
    def _prepare_invoice_line_vals(self, line_key, plan_line, currency, request):
        """Values of one invoice line billing the timesheets of
        ``plan_line``, its ledger entries included (hook)."""
        project = line_key.project.sudo()
        company = request.company
        product = project.invoice_product_id or company.timesheet_billing_product_id
        if not product:
            raise UserError(
                self.env._(
                    "Project %(project)s has no invoiced service and the company no "
                    "default timesheet product (Settings › Timesheet Billing).",
                    project=project.display_name,
                )
            )
        price = line_key.rate_currency._convert(
            line_key.rate, currency, company, request.invoice_date, round=False
        )
        first, last = plan_line.first_date, plan_line.last_date
        detail = line_key.detail
        label = " - ".join(
            filter(
                None,
                [
                    project.billing_code or project.name,
                    detail.display_name
                    if request.line_detail != "timesheet"
                    else (f"{detail.employee_id.name}: {detail.name}"),
                    f"{first} → {last}" if first != last else str(first),
                ],
            )
        )
        values = {
            "product_id": product.id,
            "name": label,
            "quantity": plan_line.quantity,
            "product_uom_id": self.env.ref("uom.product_uom_hour").id,
            "price_unit": price,
            # The line and what it bills are one record: no matching after.
            "timesheet_entry_ids": [
                Command.create({"timesheet_id": timesheet_id, "hours": hours})
                for timesheet_id, hours in plan_line.hours_by_id.items()
            ],
        }
        if project.account_id:
            values["analytic_distribution"] = {str(project.account_id.id): 100}
        return values

    # ------------------------------------------------------------- create

    @api.model
    def _create_invoices(self, invoiceable, request, refuse_nothing=True):
        """Draft invoices of ``invoiceable``, but for the lines another run is
        invoicing at the same time: ``(invoices, lines invoiced)``. With
        nothing left to invoice, refused, or (``refuse_nothing=False``, the
        scheduled job) nothing done."""
        locked = invoiceable._lock_for_invoicing()
        if not locked and not refuse_nothing:
            return self.env["account.move"], locked
        if not locked:
            raise UserError(
                self.env._(
                    "Nothing to invoice: no approved, billable timesheet that is not "
                    "invoiced yet matches (or another run is invoicing them)."
                )
            )
        plan = self._plan(locked, request)
        vals_list = [
            self._prepare_invoice_vals(key, details, request)
            for key, details in plan.items()
        ]
        # A month of a whole firm is invoiced at once: no "created" note nor
        # subscription of the accountant per draft (half the queries of the
        # batch); the origin says where a draft comes from, and posting
        # subscribes the customer as usual.
        writing = ENGINE_WRITING.set(True)
        try:
            invoices = (
                self.env["account.move"]
                .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
                .create(vals_list)
            )
        finally:
            ENGINE_WRITING.reset(writing)
        locked._write_invoiced(invoices)
        locked._mark_billed_for_sales(invoices)
        return invoices, locked
