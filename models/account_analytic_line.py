from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare
from odoo.tools.sql import create_index

from .billing_states import (
    BUDGET_OPEN_STATES,
    DRAFT_STATES,
    LOCKED_STATES,
    OPEN_STATES,
    PENDING_STATES,
)
from .billing_write_policy import WRITE_POLICY, addon_fields

APPROVER_GROUP = "hr_timesheet.group_hr_timesheet_approver"
# Who reads the billing ledger: approvers, accountants, billing managers.
LEDGER_READERS = (
    "hr_timesheet.group_hr_timesheet_approver,account.group_account_invoice,"
    "hr_timesheet_billing.group_timesheet_billing_manager"
)

NON_BILLABLE_REASONS = [
    ("project_type", "Project not billed by the hour"),
    ("no_customer", "Project without customer"),
    ("task", "Non-billable task"),
    ("manual", "Marked non-billable"),
    ("no_rate", "No rate card"),
    ("frozen_unpriced", "Approved before it was priced"),
]

# Links of a line that Time Off (project_timesheet_holidays) generated for a
# leave or a public holiday: Time Off creates, rewrites and deletes such lines.
TIME_OFF_FIELDS = ("holiday_id", "global_leave_id")

# Who a line's hours are: changing them (or whose they are) for the employee
# marks the line (hours_changed_by_id) so that the changer does not approve it.
HOURS_OWNER_FIELDS = {"unit_amount", "employee_id", "user_id"}
# A change of these takes a line out of its day and budgets.
MOVING_FIELDS = {"employee_id", "date", "project_id"}

# Fields to recompute when a line is repriced: those of _compute_billing and,
# as marking them does not cascade, the amount that depends on them.
PRICING_FIELDS = (
    "is_billable",
    "non_billable_reason",
    "bill_rate_card_id",
    "bill_rate",
    "bill_currency_id",
    "bill_amount",
)


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "timesheet.billing.approval.mixin"]

    billing_role_id = fields.Many2one(
        comodel_name="timesheet.billing.role",
        compute="_compute_billing_role_id",
        store=True,
        readonly=False,
        index=True,
        copy=False,
        help="The role this time is billed as: the employee's role on the project, "
        "else their default role.",
    )
    contract_id = fields.Many2one(
        comodel_name="timesheet.billing.contract",
        compute="_compute_contract_id",
        store=True,
        index=True,
    )
    exclude_from_billing = fields.Boolean(
        string="Not Billable",
        copy=False,
        help="Marked by an approver: this time is never invoiced.",
    )
    billable_hours = fields.Float(
        compute="_compute_billable_hours",
        inverse="_inverse_billable_hours",
        store=True,
        help="Hours invoiced: the hours worked unless an approver adjusted them.",
    )
    billable_hours_adjustment = fields.Float(
        copy=False,
        help="Billable hours minus hours worked, set by an approver with a reason.",
    )
    budget_overflow_hours = fields.Float(
        string="Hours over Budget",
        readonly=True,
        copy=False,
        help="Hours of this line over its project's budget or contract's cap, "
        "kept out of billing as the budget policy says.",
    )
    billable_hours_reason = fields.Char(string="Adjustment Reason", copy=False)
    is_billable = fields.Boolean(
        string="Billable Time",
        compute="_compute_billing",
        store=True,
    )
    non_billable_reason = fields.Selection(
        selection=NON_BILLABLE_REASONS,
        string="Why Not Billable",
        compute="_compute_billing",
        store=True,
    )
    bill_rate_card_id = fields.Many2one(
        comodel_name="timesheet.billing.rate",
        string="Rate Card",
        compute="_compute_billing",
        store=True,
        ondelete="set null",  # the lines it priced are repriced by unlink()
        groups=APPROVER_GROUP,
    )
    bill_rate = fields.Monetary(
        string="Hourly Rate",
        currency_field="bill_currency_id",
        aggregator=None,  # rates are not summed in grouped lists
        compute="_compute_billing",
        store=True,
        groups=APPROVER_GROUP,
    )
    bill_currency_id = fields.Many2one(
        comodel_name="res.currency",
        string="Billing Currency",
        compute="_compute_billing",
        store=True,
    )
    bill_amount = fields.Monetary(
        string="Billable Amount",
        currency_field="bill_currency_id",
        compute="_compute_bill_amount",
        store=True,
        groups=APPROVER_GROUP,
    )
    rule_warning = fields.Text(
        string="Warnings",
        readonly=True,
        copy=False,
        help="The logging rules this line breaks (rules that warn).",
    )
    needs_attention = fields.Boolean(
        compute="_compute_needs_attention",
        store=True,  # indexed where true, see init()
        help="The line breaks a rule that warns and no approver acknowledged it.",
    )
    warning_acknowledged_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Warnings Acknowledged By",
        readonly=True,
        copy=False,
    )
    # What the documents say this time has billed: the ledger's entries, read
    # with the state of their invoices and credit notes. Stored so that the
    # lines still to invoice are found through the partial index of open
    # lines among years of invoiced ones; the ORM recomputes them on every
    # change of an entry or of its document's state, whatever the path.
    billing_entry_ids = fields.One2many(
        comodel_name="timesheet.billing.entry",
        inverse_name="timesheet_id",
        string="Billing Ledger",
        readonly=True,
        copy=False,
        groups=LEDGER_READERS,
    )
    invoiced_hours = fields.Float(
        string="Hours Invoiced",
        compute="_compute_invoiced_hours",
        store=True,
        help="Hours on customer invoices that are not cancelled, minus hours "
        "on posted credit notes.",
    )
    to_invoice_hours = fields.Float(
        string="Hours to Invoice",
        compute="_compute_to_invoice",
        store=True,
        help="Approved billable hours no invoice bills yet.",
    )
    to_invoice_amount = fields.Monetary(
        string="Amount to Invoice",
        currency_field="bill_currency_id",
        compute="_compute_to_invoice",
        store=True,
        groups=APPROVER_GROUP,
    )
    invoicing_status = fields.Selection(
        selection=[
            ("to_invoice", "To Invoice"),
            ("partly_invoiced", "Partly Invoiced"),
            ("invoiced", "Invoiced"),
        ],
        compute="_compute_invoicing_status",
        search="_search_invoicing_status",
        help="To Invoice: approved, billable, no invoice bills it. Partly "
        "Invoiced: a credit note gave part of its hours back, or an "
        "accountant lowered them on a draft. Invoiced: all its billable hours "
        "are billed.",
    )
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        compute="_compute_invoice_line_id",
        store=True,
        index="btree_not_null",
        help="The latest customer invoice line, not cancelled, that bills this time.",
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id",
        string="Customer Invoice",
        store=True,
        index=True,
    )
    # Not stored: posting or paying an invoice must not rewrite the thousands
    # of timesheets it bills. Searchable through the invoice.
    invoice_payment_state = fields.Selection(
        related="invoice_id.payment_state", string="Payment"
    )
    # Set when the line is approved: its rate, currency and card stay as they
    # were then, whatever the rate cards become (_compute_billing keeps them).
    # Written only by the approval flow.
    bill_rate_frozen = fields.Boolean(string="Rate Frozen", readonly=True, copy=False)

    # Approval moves the state through its actions (_transition()); whether
    # approved time is invoiced is the ledger's to say.
    billing_state = fields.Selection(compute="_compute_billing_state", store=True)

    def init(self):
        result = super().init()
        # Partial indexes: a firm keeps years of invoiced time, while approval
        # and invoicing look for the few lines still open. Each index holds
        # those rows only, so it stays small, and the lines approval moves to
        # invoiced leave it. Indexes on all rows of the state or of booleans
        # would be updated by every transition and never help a search.
        create_index(
            self.env.cr,
            "account_analytic_line_billing_open_index",
            self._table,
            ["company_id", "date"],
            where="billing_state IN ('submitted', 'lead_approved', 'approved')",
        )
        # What invoicing looks up: the hours left to invoice, a few among
        # years of invoiced time.
        create_index(
            self.env.cr,
            "account_analytic_line_to_invoice_index",
            self._table,
            ["company_id", "date"],
            where="billing_state = 'approved' AND to_invoice_hours > 0",
        )
        create_index(
            self.env.cr,
            "account_analytic_line_needs_attention_index",
            self._table,
            ["company_id", "date"],
            where="needs_attention",
        )
        return result

    # ------------------------------------------------------------ computes

    # Not on the documents' state: posting an invoice would mark its thousands
    # of timesheets for nothing. A change of state that makes a document
    # bill, or credit, their hours, or stop doing so, marks them itself
    # (account.move's write()); lines and documents deleted mark them through
    # the entries' document.
    @api.depends(
        "billing_entry_ids.hours",
        "billing_entry_ids.sign",
        "billing_entry_ids.move_id",
    )
    def _compute_invoiced_hours(self):
        saved = self.filtered("id")
        # New lines have no entries (their empty list is in the cache): no
        # query for them.
        billed_lines = saved.sudo().filtered("billing_entry_ids")
        billed = (
            self.env["timesheet.billing.entry"].sudo()._billed_hours(billed_lines.ids)
            if billed_lines
            else {}
        )
        # Read the stored values first: only the lines whose hours change are
        # written (posting an invoice changes none of its timesheets).
        saved.mapped("invoiced_hours")
        _assign_by_value(
            self, "invoiced_hours", [billed.get(line.id, 0.0) for line in self]
        )

    @api.depends("invoiced_hours", "billable_hours")
    def _compute_billing_state(self):
        self.filtered("id").mapped("billing_state")
        states = []
        moved = defaultdict(list)
        for line in self:
            state = old = line.billing_state or "draft"
            if state in LOCKED_STATES:
                billed = float_compare(
                    line.invoiced_hours, 0.0, 2
                ) > 0 and not float_compare(line.invoiced_hours, line.billable_hours, 2)
                state = "invoiced" if billed else "approved"
                if state != old and line.id:
                    moved[old, state].append(line.id)
            states.append(state)
        _assign_by_value(self, "billing_state", states)
        # what the documents now say moved these lines: the one door
        for (old, state), ids in moved.items():
            self.browse(ids)._on_billing_transition(old, state)

    @api.depends(
        "billing_state", "is_billable", "billable_hours", "invoiced_hours", "bill_rate"
    )
    def _compute_to_invoice(self):
        self.filtered("id").mapped("to_invoice_hours")
        hours, amounts = [], []
        for line in self:
            to_invoice = 0.0
            if (
                line.billing_state == "approved"
                and line.is_billable
                and line.billable_hours > 0
            ):
                to_invoice = max(line.billable_hours - line.invoiced_hours, 0.0)
            amount = to_invoice * line.bill_rate
            currency = line.bill_currency_id
            hours.append(to_invoice)
            amounts.append(currency.round(amount) if currency else amount)
        _assign_by_value(self, "to_invoice_hours", hours)
        _assign_by_value(self, "to_invoice_amount", amounts)

    @api.depends("billing_state", "to_invoice_hours", "invoiced_hours")
    def _compute_invoicing_status(self):
        for line in self:
            status = False
            if line.billing_state == "invoiced":
                status = "invoiced"
            elif line.billing_state == "approved" and line.to_invoice_hours > 0:
                partly = float_compare(line.invoiced_hours, 0.0, 2) > 0
                status = "partly_invoiced" if partly else "to_invoice"
            line.invoicing_status = status

    def _search_invoicing_status(self, operator, value):
        if operator not in ("=", "in"):
            raise UserError(
                self.env._("Search the invoicing status with = or in only.")
            )
        wanted = [value] if isinstance(value, str | bool) else list(value)
        approved = [("billing_state", "=", "approved"), ("to_invoice_hours", ">", 0)]
        domains = {
            "invoiced": [("billing_state", "=", "invoiced")],
            "to_invoice": [*approved, ("invoiced_hours", "<=", 0)],
            "partly_invoiced": [*approved, ("invoiced_hours", ">", 0)],
        }
        return expression.OR(
            [domains[status] for status in wanted if status in domains]
            or [expression.FALSE_DOMAIN]
        )

    @api.depends("billing_entry_ids.sign", "billing_entry_ids.move_id")
    def _compute_invoice_line_id(self):
        latest = {}  # timesheet id: its latest live invoice line
        for entry in self.sudo().billing_entry_ids.sorted("id"):
            if entry.sign > 0 and entry.move_id.state != "cancel":
                latest[entry.timesheet_id.id] = entry.move_line_id.id
        self.filtered("id").mapped("invoice_line_id")
        _assign_by_value(
            self,
            "invoice_line_id",
            [
                self.env["account.move.line"].browse(latest.get(line.id))
                for line in self
            ],
        )

    @api.depends("employee_id", "project_id")
    def _compute_billing_role_id(self):
        timesheets = self.filtered(lambda line: line.project_id and line.employee_id)
        (self - timesheets).billing_role_id = False
        if not timesheets:
            return
        # Employees may not read assignments nor others' employee records; the
        # search is limited to these lines' projects and employees.
        assignments = (
            self.env["timesheet.billing.assignment"]
            .sudo()
            .search_fetch(
                [
                    ("project_id", "in", timesheets.project_id.ids),
                    ("employee_id", "in", timesheets.employee_id.ids),
                ],
                ["project_id", "employee_id", "role_id"],
                order="id",
            )
        )
        role_on_project = {
            (assignment.project_id.id, assignment.employee_id.id): assignment.role_id
            for assignment in assignments
        }
        _assign_by_value(
            timesheets,
            "billing_role_id",
            [
                role_on_project.get(
                    (line.project_id.id, line.employee_id.id),
                    line.employee_id.sudo().billing_role_id,
                )
                for line in timesheets
            ],
        )

    @api.depends(
        "project_id",
        "date",
        "project_id.contract_ids.date_start",
        "project_id.contract_ids.date_end",
        "project_id.contract_ids.active",
    )
    def _compute_contract_id(self):
        periods = {}  # per project: its contracts' dates, read once
        contracts = []
        for line in self:
            project = line.project_id.sudo()
            if project not in periods:
                periods[project] = [
                    (contract.date_start, contract.date_end, contract)
                    for contract in project.contract_ids
                ]
            day = line.date
            contracts.append(
                next(
                    (
                        contract
                        for start, end, contract in periods[project]
                        if start <= day and (not end or day <= end)
                    ),
                    False,
                )
            )
        _assign_by_value(self, "contract_id", contracts)

    @api.depends("rule_warning", "warning_acknowledged_by_id")
    def _compute_needs_attention(self):
        _assign_by_value(
            self,
            "needs_attention",
            [
                bool(line.rule_warning and not line.warning_acknowledged_by_id)
                for line in self
            ],
        )

    @api.depends(
        "unit_amount",
        "billable_hours_adjustment",
        "budget_overflow_hours",
        "project_id",
    )
    def _compute_billable_hours(self):
        worked = self._get_rounded_hours_worked()
        _assign_by_value(
            self,
            "billable_hours",
            [
                worked[line]
                + line.billable_hours_adjustment
                - line.budget_overflow_hours
                if line.project_id
                else 0.0
                for line in self
            ],
        )

    def _inverse_billable_hours(self):
        worked = self._get_rounded_hours_worked()
        for line in self:
            line.billable_hours_adjustment = (
                line.billable_hours - worked[line] + line.budget_overflow_hours
            )

    def _get_rounded_hours_worked(self):
        """Hours worked rounded as the line's increment rule says (what
        invoicing bills), ``{line: hours}``."""
        Rule = self.env["timesheet.billing.rule"]
        timesheets = self.filtered("project_id")
        rules = Rule._rules_for(timesheets) if timesheets else {}
        increments = {}  # rules of a (company, project) are one recordset
        rounded = {}
        for line in self:
            applicable = rules.get(line, Rule)
            if applicable not in increments:
                increments[applicable] = applicable.filtered(
                    lambda rule: rule.rule_type == "increment"
                )[:1]
            rounded[line] = Rule._round_hours(line.unit_amount, increments[applicable])
        return rounded

    @api.depends(
        "project_id.timesheet_billing_type",
        "project_id.partner_id",
        "task_id.partner_id",
        "task_id.billing_excluded",
        "exclude_from_billing",
        "date",
        "company_id",
        "employee_id",
        "billing_role_id",
    )
    def _compute_billing(self):
        # A frozen line keeps the pricing it has (Odoo reads the stored value
        # of a field being computed); unfreezing reprices explicitly.
        priced, to_price = [], []
        for line in self:
            reason = line._get_non_billable_reason()
            if line.bill_rate_frozen:
                priced.append((line, line._frozen_pricing_values(reason)))
            elif reason:
                priced.append((line, line._unpriced_values(reason)))
            else:
                to_price.append(line)
        requests = [line._prepare_rate_request() for line in to_price]
        cards = self.env["timesheet.billing.rate"]._find_for(requests)
        for line, card in zip(to_price, cards, strict=True):
            if card:
                values = {
                    "is_billable": True,
                    "non_billable_reason": False,
                    "bill_rate_card_id": card.id,
                    "bill_rate": card.hourly_rate,
                    "bill_currency_id": card.currency_id.id,
                }
            else:
                values = line._unpriced_values("no_rate")
            priced.append((line, values))
        for values, lines in _group_by_values(priced):
            lines.update(values)

    @api.depends("billable_hours", "bill_rate", "bill_currency_id", "is_billable")
    def _compute_bill_amount(self):
        amounts = []
        for line in self:
            # A negative line corrects time logged before: it is flagged for
            # the approver (who adjusts the corrected line) and never billed.
            billed = line.is_billable and line.billable_hours > 0
            amount = line.billable_hours * line.bill_rate if billed else 0.0
            currency = line.bill_currency_id
            amounts.append(currency.round(amount) if currency else amount)
        _assign_by_value(self, "bill_amount", amounts)

    def _get_non_billable_reason(self):
        """Why this line is not billable, before looking for a rate; False if it is.

        Hook for extensions: return a key of NON_BILLABLE_REASONS.
        """
        self.ensure_one()
        project = self.project_id.sudo()
        if not project:
            return "project_type"
        if project.timesheet_billing_type != "time_material":
            return "project_type"
        if not self._get_billed_customer():
            return "no_customer"
        if self.task_id.sudo().billing_excluded:
            return "task"
        if self.exclude_from_billing:
            return "manual"
        return False

    def _unpriced_values(self, reason):
        return {
            "is_billable": False,
            "non_billable_reason": reason,
            "bill_rate_card_id": False,
            "bill_rate": 0.0,
            "bill_currency_id": False,
        }

    def _frozen_pricing_values(self, reason):
        # Approved while it was not billable (no rate looked up), and billable
        # since (its project now billed by the hour): it keeps what approval
        # froze, no price, so it stays out of invoices, with its reason, until
        # reset to draft and approved again at a rate.
        if not reason and not self.bill_rate_card_id:
            reason = "frozen_unpriced"
        return {
            "is_billable": not reason,
            "non_billable_reason": reason,
            "bill_rate_card_id": self.bill_rate_card_id.id,
            "bill_rate": self.bill_rate,
            "bill_currency_id": self.bill_currency_id.id,
        }

    def _get_billed_customer(self):
        """The customer this time is billed to: the task's, else the project's.

        Read from the task and project rather than the line's own partner_id,
        which hr_timesheet computes after the line is inserted.
        """
        self.ensure_one()
        partner = self.task_id.sudo().partner_id or self.project_id.sudo().partner_id
        return partner.commercial_partner_id

    def _prepare_rate_request(self):
        """What a rate card is looked up by, for this line."""
        self.ensure_one()
        customer = self._get_billed_customer()
        return {
            "company_id": self.company_id.id,
            "date": self.date,
            "employee_id": self.employee_id.id,
            "role_id": self.billing_role_id.id,
            "project_id": self.project_id.id,
            "partner_id": customer.id,
        }

    # --------------------------------------------------------- constraints

    @api.constrains(
        "billable_hours", "billable_hours_adjustment", "billable_hours_reason"
    )
    def _check_billable_hours(self):
        for line in self.filtered("project_id"):
            worked = (
                line.billable_hours
                - line.billable_hours_adjustment
                + line.budget_overflow_hours
            )
            # A negative line is a correction Odoo accepts (never billed: see
            # _compute_bill_amount); an adjustment never takes billable hours
            # below zero.
            if float_compare(line.billable_hours, min(worked, 0.0), 2) < 0:
                raise ValidationError(
                    self.env._(
                        "%(employee)s, %(date)s, %(project)s: billable hours cannot "
                        "be negative (%(hours)s h).",
                        **line._billing_label_values(),
                        hours=line.billable_hours,
                    )
                )
            if line.billable_hours_adjustment and not line.billable_hours_reason:
                raise ValidationError(
                    self.env._(
                        "%(employee)s, %(date)s, %(project)s: billable hours "
                        "(%(billable)s h) differ from the hours worked (%(worked)s "
                        "h); give the reason for the adjustment.",
                        **line._billing_label_values(),
                        billable=line.billable_hours,
                        worked=line.unit_amount,
                    )
                )

    @api.constrains("invoiced_hours", "billable_hours")
    def _check_invoiced_hours(self):
        """Whatever the accountant does with the documents, a timesheet is
        never billed more than its billable hours, nor credited more than was
        billed: the change that would do it is refused, naming them."""
        for line in self:
            billed = line.invoiced_hours
            ceiling = max(line.billable_hours, 0.0)
            if (
                float_compare(billed, 0.0, 2) >= 0
                and float_compare(billed, ceiling, 2) <= 0
            ):
                continue
            documents = line.sudo().billing_entry_ids.filtered("is_counted").move_id
            hours = {"billed": f"{billed:g}", "billable": f"{line.billable_hours:g}"}
            raise ValidationError(
                self.env._(
                    "%(employee)s, %(date)s, %(project)s would be billed %(billed)s "
                    "h of its %(billable)s billable hours by %(documents)s: time is "
                    "never billed twice nor credited more than it was billed. "
                    "Cancel or correct the later document first.",
                    **line._billing_label_values(),
                    **hours,
                    documents=", ".join(documents.mapped("display_name")),
                )
            )

    def _billing_label_values(self):
        return {
            "employee": self.employee_id.name,
            "date": self.date,
            "project": self.project_id.display_name,
        }

    # ---------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo fills a new line from the context's default_<field> keys too:
        # they are values given, checked as those of vals.
        defaults = {
            key.removeprefix("default_"): value
            for key, value in self.env.context.items()
            if key.startswith("default_")
            and key.removeprefix("default_") in self._fields
        }
        for vals in vals_list:
            given = {**defaults, **vals}
            self._check_approval_vals(given)
            self._check_write_policy(given, creating=True)
        lines = super().create(vals_list)
        lines._apply_logging_rules()
        return lines

    def _check_can_write(self, values):
        # hr_timesheet's own check, then who may write what, in which state
        result = super()._check_can_write(values)
        self._check_write_policy(values)
        self._check_approval_lock(values)
        return result

    def write(self, vals):
        # the checks are hr_timesheet's _check_can_write(), first in its write
        pending_changes = self._get_pending_changes(vals)
        hours_changed = HOURS_OWNER_FIELDS & set(vals) and not self.env.su
        own_before = self._own_lines() if hours_changed else self.browse()
        # The lines' former days and budgets, when they move to another
        # employee, day or project: rechecked too (their totals change).
        left = self.browse()
        if MOVING_FIELDS & set(vals):
            left = self._get_rule_scope() - self
        result = super().write(vals)
        if hours_changed:
            self._record_hours_change(own_before & self._own_lines())
        if self._get_rule_checked_fields() & set(vals):
            # A pending line whose hours, date, project or task an approver
            # changes is checked as a draft is; a new description is not.
            audited = set(self._get_pending_audited_fields()) & set(vals)
            self._apply_logging_rules(
                blocking_states=OPEN_STATES if audited else DRAFT_STATES,
                also=left.exists(),
            )
        else:
            left.exists()._apply_logging_rules(blocking=False)
        if pending_changes:
            self._log_pending_changes(pending_changes)
            self._send_back_to_lead(pending_changes)
        return result

    @api.model
    def _get_pending_audited_fields(self):
        """Fields whose change on a submitted line is checked by the blocking
        rules and logged (hook)."""
        return (
            "unit_amount",
            "date",
            "project_id",
            "task_id",
            "employee_id",
            "billable_hours",
            "exclude_from_billing",
            "billing_role_id",
        )

    def _get_pending_changes(self, vals):
        """``{line: [(field, old value)]}`` of the pending lines ``vals``
        changes: what the approval log keeps of an approver's edit."""
        names = [name for name in self._get_pending_audited_fields() if name in vals]
        if not names or self.env.su:
            return {}
        pending = self.sudo().filtered(
            lambda line: line.billing_state in PENDING_STATES
        )
        return {
            line: [(name, line[name]) for name in names]
            for line in pending
            if any(
                line._fields[name].convert_to_cache(vals[name], line)
                != line._fields[name].convert_to_cache(line[name], line)
                for name in names
            )
        }

    def _log_pending_changes(self, changes):
        """One log per changed pending line: who changed what, from what to
        what, on the line's week (the log's reason)."""

        def shown(line, name, value):
            if line._fields[name].type == "many2one":
                return value.display_name or "-"
            if name == "unit_amount":
                return f"{value:g} h"
            return str(value or "-")

        Log = self.env["timesheet.billing.approval.log"].sudo()
        Log.create(
            [
                {
                    "week_id": line.week_id.id,
                    "event": "edited",
                    "from_state": line.billing_state,
                    "to_state": line.billing_state,
                    "reason": "; ".join(
                        f"{line._fields[name]._description_string(self.env)}: "
                        f"{shown(line, name, old)} → {shown(line, name, line[name])}"
                        for name, old in before
                    ),
                    "line_id_list": [line.id],
                    "line_count": 1,
                    "hours": line.unit_amount,
                }
                for line, before in changes.items()
                if line.week_id
            ]
        )
        self.invalidate_recordset(["approval_log_ids"])

    def _own_lines(self):
        """These lines that are the current user's own time (the owner hook's
        domain, evaluated on the records: no query)."""
        return self.sudo().filtered_domain(self._get_owner_domain(self.env.user))

    def _record_hours_change(self, own):
        """Who last changed the hours (or whose they are) for the employee:
        nobody when the employee did, on their own line before and after; they
        may not approve them. Written only where it changes, so an employee's
        own edits cost no query."""
        user = self.env.user
        lines = self.sudo()
        cleared = own.sudo().filtered("hours_changed_by_id")
        if cleared:
            cleared._write_in_bulk({"hours_changed_by_id": False})
        changed = (lines - own).filtered(lambda line: line.hours_changed_by_id != user)
        if changed:
            changed._write_in_bulk({"hours_changed_by_id": user.id})

    def _send_back_to_lead(self, changes):
        """A line approved by its lead whose hours, date, employee, project or
        task an approver then changed goes back to the lead's stage: the
        Finance approval is of the time the lead approved. (Finance's own
        adjustment of the billable hours is its stage's work: logged only.)"""
        worked = {"unit_amount", "date", "employee_id", "project_id", "task_id"}
        lines = self.browse(
            [
                line.id
                for line, before in changes.items()
                if worked & {name for name, _old in before}
            ]
        ).sudo()
        changed = lines.filtered(lambda line: line.billing_state == "lead_approved")
        if changed:
            changed._transition(
                "submitted",
                reason=self.env._("Changed after the lead's approval"),
                vals={"lead_approver_id": False},
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        billed = self.sudo().filtered("billing_entry_ids")
        if billed:
            raise UserError(
                self.env._(
                    "These timesheets were on customer invoices (%(documents)s) and "
                    "stay for the record: %(lines)s",
                    documents=", ".join(
                        billed.billing_entry_ids.move_id.mapped("display_name")
                    ),
                    lines=billed._describe(),
                )
            )

    def action_reset_to_draft(self):
        billed = self._filter_by_domain([("invoiced_hours", ">", 0)])
        if billed:
            raise UserError(
                self.env._(
                    "These timesheets are partly invoiced: credit their hours first. "
                    "%(lines)s",
                    lines=billed._describe(),
                )
            )
        return super().action_reset_to_draft()

    def unlink(self):
        # Removing time can bring a day or a budget back under its limit:
        # recheck the employees' other lines of the same days and budgets.
        siblings = self._get_rule_scope() - self
        result = super().unlink()
        siblings.exists()._apply_logging_rules(blocking=False)
        return result

    @api.model
    def _get_rule_checked_fields(self):
        """Fields whose change is checked against the logging rules (hook)."""
        return {
            "date",
            "unit_amount",
            "employee_id",
            "project_id",
            "task_id",
            "name",
        }

    @api.model
    def _get_write_policy(self):
        """``{field: WriteRule}``: which of this addon's fields users may
        write, by group and approval state (hook; models/billing_write_policy.py).
        Any other field of the addon is written by its own code only."""
        return dict(WRITE_POLICY)

    @api.model
    @tools.ormcache()
    def _get_addon_fields(self):
        return addon_fields(self)

    def _check_write_policy(self, vals, creating=False):
        """Deny by default: writing a field of this addon takes a rule of the
        write policy that lets the user's groups write it in the line's state
        (a new line is a draft). Refused with the field, the lines and the
        rule; the addon's own code writes as superuser."""
        if self.env.su:
            return
        names = self._get_addon_fields() & set(vals)
        if not names:
            return
        policy = self._get_write_policy()
        user = self.env.user
        # described for a refusal only
        lines = LazyDescription(self)
        for name in sorted(names):
            field = self._fields[name]._description_string(self.env)
            rule = policy.get(name)
            if rule is None:
                raise AccessError(
                    self.env._(
                        "%(field)s (%(name)s) of %(lines)s is written by Timesheet "
                        "Billing itself, never set by hand: its write policy lets "
                        "nobody write it.",
                        field=field,
                        name=name,
                        lines=lines,
                    )
                )
            if not any(user.has_group(group) for group in rule.groups):
                raise AccessError(
                    self.env._(
                        "%(user)s may not change %(field)s (%(name)s) of %(lines)s: "
                        "its write policy lets %(groups)s only.",
                        user=user.name,
                        field=field,
                        name=name,
                        lines=lines,
                        groups=", ".join(
                            self.env.ref(group).sudo().full_name
                            for group in rule.groups
                        ),
                    )
                )
            states = DRAFT_STATES if creating else self.mapped("billing_state")
            if set(states) - set(rule.states):
                labels = dict(
                    self._fields["billing_state"]._description_selection(self.env)
                )
                raise AccessError(
                    self.env._(
                        "%(field)s (%(name)s) of %(lines)s cannot change now: its "
                        "write policy lets it change while a timesheet is %(states)s.",
                        field=field,
                        name=name,
                        lines=lines,
                        states=", ".join(labels[state] for state in rule.states),
                    )
                )

    # ------------------------------------------------------------ business

    def _managed_elsewhere(self):
        """The lines another app of Odoo generates and deletes itself (Time
        Off's, when project_timesheet_holidays is installed): the logging
        rules and the weekly submission leave them alone (hook)."""
        links = [name for name in TIME_OFF_FIELDS if name in self._fields]
        if not links:
            return self.browse()
        return self.filtered(lambda line: any(line[name] for name in links))

    def _deleted_by_their_app(self):
        """The lines another app is deleting: Time Off, as superuser, first
        unlinks a cancelled leave's lines from it, so they are known by their
        task then (hook)."""
        if not self.env.su:
            return self.browse()
        on_task = "is_timeoff_task" in self.env["project.task"]._fields
        return self._managed_elsewhere() | self.filtered(
            lambda line: on_task and line.task_id.is_timeoff_task
        )

    @api.model
    def _get_submittable_domain(self):
        """Lines of a week its employee submits: time worked, not the 0-hour
        lines Odoo leaves behind (timers, quick entries) nor the lines another
        app manages (hook)."""
        domain = [("project_id", "!=", False), ("unit_amount", "!=", 0)]
        domain += [
            (name, "=", False) for name in TIME_OFF_FIELDS if name in self._fields
        ]
        return domain

    def _reprice(self):
        """Recompute the rate of these lines (frozen ones keep theirs)."""
        for name in PRICING_FIELDS:
            self.env.add_to_compute(self._fields[name], self)

    def _lock_for_invoicing(self):
        """Lock these lines against another invoicing run and keep those still
        to invoice: a run never bills the same hours twice. Lines another run
        holds are skipped (``FOR UPDATE SKIP LOCKED``), and what is left to
        invoice is read again after the lock."""
        if not self:
            return self
        self.flush_recordset(["billing_state", "to_invoice_hours"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM account_analytic_line
                 WHERE id = ANY(%s)
                   AND billing_state = 'approved'
                   AND to_invoice_hours > 0
                   AND %s
                   FOR UPDATE SKIP LOCKED
                """,
                list(self.ids),
                # a line a sales order bills (sale_timesheet) is never ours
                SQL("so_line IS NULL") if "so_line" in self._fields else SQL("TRUE"),
            )
        )
        locked = self.browse([row[0] for row in rows])
        locked.invalidate_recordset(["billing_state", "to_invoice_hours"])
        return locked.sudo()

    def _get_transition_values(self, to_state):
        """What is left to invoice, written with the state: what
        _compute_to_invoice() says, in SQL (its test holds them equal)."""
        if to_state != "approved":
            return {"to_invoice_hours": 0.0, "to_invoice_amount": 0.0}
        # The expressions read these columns: what is still to compute or to
        # write of them is first.
        self.sudo().flush_recordset(
            [
                "is_billable",
                "billable_hours",
                "invoiced_hours",
                "bill_rate",
                "bill_currency_id",
            ]
        )
        hours = SQL(
            """CASE WHEN line.is_billable AND line.billable_hours > 0
                    THEN GREATEST(line.billable_hours
                                  - COALESCE(line.invoiced_hours, 0), 0)
                    ELSE 0 END"""
        )
        amount = SQL(
            """COALESCE(
                   (SELECT ROUND((%(hours)s * COALESCE(line.bill_rate, 0))::numeric
                                 / currency.rounding::numeric)
                           * currency.rounding::numeric
                      FROM res_currency AS currency
                     WHERE currency.id = line.bill_currency_id),
                   (%(hours)s * COALESCE(line.bill_rate, 0))::numeric)""",
            hours=hours,
        )
        return {"to_invoice_hours": hours, "to_invoice_amount": amount}

    def _write_invoiced(self, invoices):
        """What the engine's new ``invoices`` bill of these lines, written in
        one UPDATE from their ledger entries instead of the ORM's recompute,
        100 rows at a time: the same values (the engine bills what each line
        has left to invoice, so all of it). The ledger stays what they are
        computed from on every later change; a test holds the two equal.
        A line not billed in full that way is left to the ORM."""
        if not self:
            return
        names = [
            "billing_state",
            "invoiced_hours",
            "to_invoice_hours",
            "to_invoice_amount",
            "invoice_line_id",
            "invoice_id",
        ]
        self.flush_recordset(["billable_hours", *names])
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE account_analytic_line AS line
                   SET billing_state = 'invoiced',
                       invoiced_hours = COALESCE(line.invoiced_hours, 0)
                                        + billed.hours,
                       to_invoice_hours = 0,
                       to_invoice_amount = 0,
                       invoice_line_id = billed.move_line_id,
                       invoice_id = billed.move_id,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM (
                       SELECT timesheet_id, sum(hours) AS hours,
                              max(move_line_id) AS move_line_id,
                              max(move_id) AS move_id
                         FROM timesheet_billing_entry
                        WHERE move_id = ANY(%(invoices)s)
                     GROUP BY timesheet_id
                  ) AS billed
                 WHERE line.id = billed.timesheet_id
                   AND line.id = ANY(%(ids)s)
                   AND line.billing_state = 'approved'
                   AND ROUND((COALESCE(line.invoiced_hours, 0)
                              + billed.hours)::numeric, 2)
                       >= ROUND(line.billable_hours::numeric, 2)
             RETURNING line.id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                invoices=invoices.ids,
                ids=self.ids,
            )
        )
        done = self.browse([row[0] for row in rows])
        done.invalidate_recordset([*names, "write_uid", "write_date"])
        done.modified(names)
        for name in names:
            self.env.remove_to_compute(self._fields[name], done)
        if done:
            done._on_billing_transition("approved", "invoiced")
        # not billed in full (another path): the ORM computes them
        (self - done).modified(["billing_entry_ids"])

    def _mark_billed_for_sales(self, invoices):
        """With sale_timesheet installed, its own "Invoice" field marks these
        lines as billed too: sale_timesheet then never links them to a sales
        order line (its _is_not_billed()), so no sales order bills them
        again. Its field, its rule: a cancelled invoice there is not billed."""
        if "timesheet_invoice_id" not in self._fields or not self:
            return
        self.sudo()._write_in_bulk(
            {},
            per_line={
                "timesheet_invoice_id": {line.id: line.invoice_id.id for line in self}
            },
        )

    def _reprice_and_recheck(self):
        """Reprice these lines, then refresh their warnings (a missing rate
        found, a budget now exceeded); nothing is refused here."""
        self._reprice()
        self._apply_logging_rules(blocking=False)

    def _prepare_bill_rate_freeze(self):
        """Freeze the rate in force now on these lines, whatever the rate cards
        become; return the values that mark them (for ``_write_in_bulk()``).
        The pricing still to compute is computed and stored first: a frozen
        line keeps what its columns hold. Approval writes the mark in the
        UPDATE of its transition (hook)."""
        self.sudo().flush_recordset(list(PRICING_FIELDS))
        return {"bill_rate_frozen": True}

    def _freeze_bill_rate(self):
        """Keep the rate in force now on these lines (outside an approval)."""
        self.sudo()._write_in_bulk(self._prepare_bill_rate_freeze())

    def _unfreeze_bill_rate(self):
        """Let the rate cards price these lines again (back to draft)."""
        frozen = self.sudo().filtered("bill_rate_frozen")
        frozen._write_in_bulk({"bill_rate_frozen": False})
        frozen._reprice()

    # ------------------------------------------------------ logging rules

    def _get_same_day_domain(self):
        return [
            ("project_id", "!=", False),
            ("employee_id", "in", self.employee_id.ids),
            ("date", "in", list(set(self.mapped("date")))),
        ]

    def _get_same_budget_domain(self):
        """The same employees' open lines that count after these ones against
        the same project budget or contract cap: a change here can move them
        over or back under (empty: no budget to check). Other employees'
        lines are never in it: an entry rewrites only its employee's lines,
        so that people logging on one project at once never write each
        other's rows (their lines count as logged before, read as sums)."""
        timesheets = self.sudo()
        projects = timesheets.project_id.filtered(
            lambda project: project.budget_hours or project.budget_amount
        )
        contracts = timesheets.contract_id.filtered(
            lambda contract: contract.cap_hours or contract.cap_amount
        )
        Rule = self.env["timesheet.billing.rule"]
        if not (projects or contracts) or not Rule._has_active_rule("budget"):
            return []
        # A contract's lines are on its projects: searched by project, so that
        # the batch's contract, not yet written, is not flushed for the search.
        return [
            ("employee_id", "in", timesheets.employee_id.ids),
            ("billing_state", "in", BUDGET_OPEN_STATES),
            ("date", ">=", min(timesheets.mapped("date"))),
            ("project_id", "in", (projects | contracts.project_ids).ids),
        ]

    def _get_rule_scope(self):
        """These timesheets and the lines their check rewrites: their
        employees' lines of the same days, and their employees' open lines
        from the same date on of every budget among those (one search, and one
        more when a day's other line is on a budget of its own)."""
        scope = self.sudo().filtered("project_id")
        if not scope:
            return scope
        scope |= self.sudo().search(
            expression.OR(
                [
                    scope._get_same_day_domain(),
                    scope._get_same_budget_domain() or expression.FALSE_DOMAIN,
                ]
            )
        )
        # Every line of a budget that counts after a line checked must be
        # checked with it, or it would count before it (as other people's).
        others = scope.filtered(
            lambda line: (
                line.project_id not in self.project_id
                and line.billing_state in BUDGET_OPEN_STATES
            )
        )
        if others and (domain := others._get_same_budget_domain()):
            scope |= self.sudo().search(domain)
        return scope

    def _apply_logging_rules(
        self, blocking=True, blocking_states=DRAFT_STATES, also=None
    ):
        """Check these lines against the logging rules: refuse the whole batch
        when one of them in ``blocking_states`` breaks a blocking rule, else
        record the warnings on them and on their employees' other lines of
        the same days (daily totals) and budgets, and bill over-budget hours
        only up to the budget where the policy says so. Only the lines of the
        batch's employees are written; budgets are read as sums."""
        timesheets = self.filtered("project_id")
        # ``also``: lines rechecked in the same pass, never refused (those a
        # moved line left)
        scope = timesheets._get_rule_scope() | (also or self.browse()).sudo()
        if not scope:
            return
        # The scope holds every line of the batch's employees on the batch's
        # days (_get_same_day_domain()): their totals are summed from it.
        days = set(timesheets.mapped("date"))
        whole_days = {
            (employee, day) for employee in timesheets.employee_id.ids for day in days
        }
        violations, overflows = self.env["timesheet.billing.rule"]._evaluate(
            scope, whole_days=whole_days
        )
        if blocking:
            # Lines past draft were checked when submitted; changing their
            # description must not trip a rule about their date.
            blocked = [
                message
                for line in timesheets.filtered(
                    lambda line: line.billing_state in blocking_states
                )
                for _rule, message, severity in violations.get(line.sudo(), [])
                if severity == "block"
            ]
            if blocked:
                raise ValidationError(_blocked_message(self.env, blocked))
        self._store_budget_overflow(scope, overflows)
        self._store_warnings(scope, violations)

    @api.model
    def _store_budget_overflow(self, lines, overflows):
        """Hours over a budget whose policy is "bill up to the budget" are kept
        out of the billable hours; lines back under it bill in full again."""

        def new_hours(line):
            return overflows.get(line, (0.0, ""))[0]

        # Approved and invoiced lines keep their billable hours (a budget's
        # re-evaluation never rewrites what was approved or billed).
        changed = lines.filtered(
            lambda line: (
                line.billing_state in BUDGET_OPEN_STATES
                and float_compare(new_hours(line), line.budget_overflow_hours, 2)
            )
        )
        for hours, group in changed.grouped(new_hours).items():
            group.sudo().write({"budget_overflow_hours": hours})

    @api.model
    def _store_warnings(self, lines, violations):
        """Write each line's warnings; a changed warning needs a new
        acknowledgement. One write per distinct text."""
        texts = {
            line: "\n".join(
                message
                for _rule, message, severity in violations.get(line, [])
                if severity == "warn"
            )
            or False
            for line in lines
        }
        changed = lines.filtered(
            lambda line: texts[line] != (line.rule_warning or False)
        )
        for text, group in changed.grouped(texts.get).items():
            group.sudo().write(
                {"rule_warning": text, "warning_acknowledged_by_id": False}
            )

    def action_acknowledge_warnings(self):
        """An approver accepts the warnings of these lines: they no longer need
        attention and may be submitted."""
        self._check_acting_scope()
        if not self.env.user.has_group(APPROVER_GROUP):
            raise AccessError(
                self.env._(
                    "Only timesheet approvers may acknowledge warnings "
                    "(%(user)s is not one).",
                    user=self.env.user.name,
                )
            )
        own = self._filter_by_domain(self._get_owner_domain(self.env.user))
        if own:
            raise AccessError(
                self.env._(
                    "Nobody acknowledges the warnings of their own time: %(lines)s",
                    lines=own._describe(),
                )
            )
        flagged = self.filtered("needs_attention")
        if not flagged:
            raise UserError(
                self.env._("None of the selected timesheets needs attention.")
            )
        flagged.sudo().write({"warning_acknowledged_by_id": self.env.uid})
        return True


class LazyDescription:
    """The lines' description, read only when a message is formatted."""

    def __init__(self, lines):
        self.lines = lines

    def __str__(self):
        if not self.lines:
            return self.lines.env._("a new timesheet")
        return self.lines._describe()


def _group_by_values(pairs):
    """``[(record, values)]`` → ``[(values, records)]``, one entry per distinct
    values: a compute assigns each distinct result once to all the lines that
    share it, not line by line (each assignment costs the ORM its cache
    update and dependency marking, thousands of times in a batch)."""
    groups = {}
    for record, values in pairs:
        key = tuple(sorted(values.items()))
        if key in groups:
            groups[key][1].append(record.id)
        else:
            groups[key] = (values, [record.id], record)
    return [(values, first.browse(ids)) for values, ids, first in groups.values()]


def _assign_by_value(records, field_name, values):
    """Assign ``values`` (one per record, in order) to ``field_name`` of
    ``records``, once per distinct value."""
    for value, group in _group_by_values(
        [
            (record, {field_name: value})
            for record, value in zip(records, values, strict=True)
        ]
    ):
        group[field_name] = value[field_name]


def _blocked_message(env, messages, most=20):
    shown = messages[:most]
    more = len(messages) - len(shown)
    text = "\n".join(shown)
    if more:
        text += "\n" + env._("… and %(count)s more.", count=more)
    return env._("Timesheets refused by the logging rules:\n%(list)s", list=text)
