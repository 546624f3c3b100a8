import math

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero

from .timesheet_billing_invoicing import ENGINE_WRITING

HOURS_PRECISION = 2


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    timesheet_entry_ids = fields.One2many(
        comodel_name="timesheet.billing.entry",
        inverse_name="move_line_id",
        string="Billing Ledger",
        readonly=True,
        copy=False,
    )
    timesheet_line_ids = fields.Many2many(
        comodel_name="account.analytic.line",
        string="Timesheets",
        compute="_compute_timesheet_line_ids",
        help="The timesheets this line bills, or credits.",
    )
    timesheet_hours = fields.Float(
        compute="_compute_timesheet_line_ids",
        help="Hours of timesheets this line bills, or credits.",
    )
    timesheet_source_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Timesheets Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The invoice line whose timesheets this line credits (a credit "
        "note made from the invoice) or bills again (Reverse and create "
        "invoice).",
    )

    @api.depends("timesheet_entry_ids.hours")
    def _compute_timesheet_line_ids(self):
        for line in self:
            entries = line.sudo().timesheet_entry_ids
            line.timesheet_line_ids = entries.timesheet_id
            line.timesheet_hours = math.fsum(entries.mapped("hours"))

    # ---------------------------------------------------------------- CRUD

    def _copy_data_extend_business_fields(self, values):
        # Called on each line of an invoice Odoo reverses, or copies for
        # Reverse and create invoice: the copy credits, or bills again, the
        # timesheets of the very line it copies.
        result = super()._copy_data_extend_business_fields(values)
        if self.sudo().timesheet_entry_ids:
            values["timesheet_source_line_id"] = self.id
        return result

    @api.model_create_multi
    def create(self, vals_list):
        # The ledger is written by the addon only: the entries given with a
        # line (the invoicing engine's, nobody else's) are created for it as
        # superuser, each with the very line it came with.
        entries = []
        if any("timesheet_entry_ids" in vals for vals in vals_list):
            if not (self.env.su or ENGINE_WRITING.get()):
                raise AccessError(
                    self.env._(
                        "The billing ledger is written by Invoice Timesheets only, "
                        "not given with an invoice line."
                    )
                )
            vals_list = [dict(vals) for vals in vals_list]
            entries = [vals.pop("timesheet_entry_ids", None) for vals in vals_list]
        lines = super().create(vals_list)
        given = [
            {**command[2], "move_line_id": line.id}
            for line, commands in zip(lines, entries, strict=False)
            for command in commands or []
            if command[0] == Command.CREATE
        ]
        if given:
            self.env["timesheet.billing.entry"].sudo()._create_in_bulk(given)
        copies = lines.filtered("timesheet_source_line_id")
        if copies:
            copies.sudo()._allocate_timesheet_hours()
        return lines

    def write(self, vals):
        protected = {"timesheet_entry_ids", "timesheet_source_line_id"} & set(vals)
        if protected and not self.env.su:
            raise AccessError(
                self.env._(
                    "The timesheets an invoice line bills (%(fields)s) are set when "
                    "it is made, never changed.",
                    fields=", ".join(sorted(protected)),
                )
            )
        billing = self.env["account.move.line"]
        # While the engine creates its invoices, Odoo's own syncing of their
        # lines changes no hours of the ledger it writes.
        if {"quantity", "product_uom_id", "product_id"} & set(
            vals
        ) and not ENGINE_WRITING.get():
            # one query for the lines with entries, whatever their number
            billing = self.browse(
                self.sudo().timesheet_entry_ids.move_line_id.ids
            ) | self.filtered("timesheet_source_line_id")
            billing._check_quantity_editable()
        result = super().write(vals)
        if billing:
            billing.sudo()._reallocate_timesheet_hours()
        return result

    def _check_quantity_editable(self):
        """The hours of a line billing timesheets change on a draft only."""
        posted = self.filtered(lambda line: line.parent_state != "draft")
        if posted:
            raise UserError(
                self.env._(
                    "%(line)s bills timesheets: its quantity changes on a draft "
                    "only (reset the document to draft first).",
                    line=posted[0]._describe_for_billing(),
                )
            )

    def unlink(self):
        # The database deletes the entries with their line (the ORM marks the
        # timesheets to recompute before): log the hours given back.
        entries = self.sudo().timesheet_entry_ids
        entries._log_release()
        result = super().unlink()
        if entries:
            entries.invalidate_model()
            self.env["account.analytic.line"].invalidate_model(["billing_entry_ids"])
        return result

    # ---------------------------------------------------------- allocation

    def _get_quantity_in_hours(self):
        """This line's quantity in hours (its unit may be days)."""
        self.ensure_one()
        if float_compare(self.quantity, 0.0, HOURS_PRECISION) < 0:
            raise UserError(
                self.env._(
                    "%(line)s bills timesheets: its quantity cannot be negative.",
                    line=self._describe_for_billing(),
                )
            )
        hour = self.env.ref("uom.product_uom_hour")
        unit = self.product_uom_id
        if not unit or unit == hour:
            return self.quantity
        if unit.category_id != hour.category_id:
            raise UserError(
                self.env._(
                    "%(line)s bills timesheets: its unit must be one of time, "
                    "not %(unit)s.",
                    line=self._describe_for_billing(),
                    unit=unit.name,
                )
            )
        return unit._compute_quantity(self.quantity, hour, round=False)

    def _describe_for_billing(self):
        self.ensure_one()
        return self.env._(
            "Line “%(label)s” of %(document)s",
            label=self.name or self.product_id.display_name or "",
            document=self.move_id.name
            if self.move_id.name and self.move_id.name != "/"
            else self.move_id.display_name,
        )

    def _is_credit_of(self, source):
        return self.move_id.move_type != source.move_id.move_type

    def _check_timesheet_source(self):
        """A line credits the timesheets of a line of the invoice its credit
        note reverses, or bills again those of a line of the same customer."""
        for line in self:
            source = line.timesheet_source_line_id
            if line._is_credit_of(source):
                valid = line.move_id.reversed_entry_id == source.move_id
            else:
                valid = (
                    line.move_id.move_type == "out_invoice"
                    and line.company_id == source.company_id
                    and line.move_id.commercial_partner_id
                    == source.move_id.commercial_partner_id
                )
            if not valid:
                raise UserError(
                    self.env._(
                        "%(line)s cannot credit or bill the timesheets of "
                        "“%(origin)s”: only a credit note of its invoice, or an "
                        "invoice of the same customer, may.",
                        line=line._describe_for_billing(),
                        origin=source.name,
                    )
                )

    def _get_allocation_pools(self):
        """``{line: [(timesheet, hours)]}``, latest timesheet first: what each
        of these lines may credit or bill again of its source line. A credit
        takes what the source bills, less what other credit notes not
        cancelled credit of it; a line billing again takes what posted credit
        notes credited of the source, less what other lines bill again of
        it. One read of the ledger for all the lines."""
        sources = self.timesheet_source_line_id
        siblings = self.search(
            [
                ("timesheet_source_line_id", "in", sources.ids),
                ("id", "not in", self.ids),
                ("move_id.state", "!=", "cancel"),
            ]
        )
        pools = {}
        for line in self:
            source = line.timesheet_source_line_id
            credit = line._is_credit_of(source)
            pool = {}
            if credit:
                for entry in source.timesheet_entry_ids:
                    pool[entry.timesheet_id] = pool.get(entry.timesheet_id, 0.0) + (
                        entry.hours
                    )
            for sibling in siblings.filtered(
                lambda other, source=source: other.timesheet_source_line_id == source
            ):
                is_credit = sibling._is_credit_of(source)
                if not credit and is_credit and sibling.parent_state != "posted":
                    continue  # a draft credit note gives nothing back yet
                if credit and not is_credit:
                    continue
                sign = -1 if credit == is_credit else 1
                for entry in sibling.timesheet_entry_ids:
                    pool[entry.timesheet_id] = (
                        pool.get(entry.timesheet_id, 0.0) + sign * entry.hours
                    )
            pools[line] = sorted(
                pool.items(), key=lambda item: (item[0].date, item[0].id), reverse=True
            )
        return pools

    def _allocate_timesheet_hours(self):
        """Write the ledger entries of lines that credit or bill again their
        source line's timesheets: their quantity in hours, latest timesheets
        first, splitting the last one. A line asking more hours than are left
        to it is refused, naming it."""
        self._check_timesheet_source()
        pools = self._get_allocation_pools()
        taken = {}  # (source, timesheet): hours lines of this batch took
        vals_list = []
        for line in self:
            source = line.timesheet_source_line_id
            wanted = line._get_quantity_in_hours()
            left = wanted
            for timesheet, available in pools[line]:
                if float_compare(left, 0.0, HOURS_PRECISION) <= 0:
                    break
                hours = min(available - taken.get((source, timesheet), 0.0), left)
                if float_compare(hours, 0.0, HOURS_PRECISION) <= 0:
                    continue
                taken[source, timesheet] = taken.get((source, timesheet), 0.0) + hours
                vals_list.append(
                    {
                        "timesheet_id": timesheet.id,
                        "move_line_id": line.id,
                        "hours": hours,
                    }
                )
                left -= hours
            if float_compare(left, 0.0, HOURS_PRECISION) > 0:
                amounts = {"wanted": f"{wanted:g}", "left": f"{wanted - left:g}"}
                raise UserError(
                    self.env._(
                        "%(line)s credits %(wanted)s h of timesheets, but only "
                        "%(left)s h of “%(origin)s” are still invoiced: lower its "
                        "quantity, or cancel the other credit note first.",
                        line=line._describe_for_billing(),
                        origin=source.name,
                        **amounts,
                    )
                    if line._is_credit_of(source)
                    else self.env._(
                        "%(line)s bills %(wanted)s h again, but only %(left)s h of "
                        "“%(origin)s” were credited by a posted credit note: post "
                        "the credit note first (a reversal dated later stays a "
                        "draft until then), or lower its quantity.",
                        line=line._describe_for_billing(),
                        origin=source.name,
                        **amounts,
                    )
                )
        self.env["timesheet.billing.entry"].create(vals_list)

    def _reallocate_timesheet_hours(self):
        """After a change of quantity: a draft line's ledger follows it."""
        for line in self:
            if line.parent_state != "draft":
                continue  # posted lines do not change (Odoo refuses)
            entries = line.timesheet_entry_ids
            hours = line._get_quantity_in_hours()
            if not float_compare(
                hours, math.fsum(entries.mapped("hours")), HOURS_PRECISION
            ):
                continue
            if line.timesheet_source_line_id:
                entries.unlink()
                line._allocate_timesheet_hours()
            else:
                line._trim_timesheet_hours(hours)

    def _trim_timesheet_hours(self, hours):
        """An invoice line the engine made bills ``hours`` now: fewer hours
        give back its latest timesheets' first (splitting one); more than its
        timesheets hold are refused."""
        self.ensure_one()
        entries = self.timesheet_entry_ids.sorted(
            lambda entry: (entry.timesheet_id.date, entry.timesheet_id.id, entry.id),
            reverse=True,
        )
        billed = math.fsum(entries.mapped("hours"))
        amounts = {"billed": f"{billed:g}", "hours": f"{hours:g}"}
        if float_compare(hours, billed, HOURS_PRECISION) > 0:
            raise UserError(
                self.env._(
                    "%(line)s bills %(billed)s h of timesheets: it cannot bill "
                    "%(hours)s h. Invoice more time with Invoice Timesheets, or "
                    "add a line of its own.",
                    line=self._describe_for_billing(),
                    **amounts,
                )
            )
        to_remove = billed - hours
        dropped = entries.browse()
        for entry in entries:
            if float_is_zero(to_remove, precision_digits=HOURS_PRECISION):
                break
            if float_compare(entry.hours, to_remove, HOURS_PRECISION) <= 0:
                dropped |= entry
                to_remove -= entry.hours
            else:
                entry._log_release(to_remove)
                entry.hours -= to_remove
                break
        dropped.unlink()
