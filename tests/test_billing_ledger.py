"""The billing ledger: what a timesheet has billed is read from the invoices
and credit notes, on every path of Odoo's Accounting.

Acme's standard month (see InvoicingCommon): Ann 4 h at 100.00 (10 March),
Ann 2 h at 120.00 (20 March), Bob 5 h at 80.00 (12 March): 400.00 + 240.00 +
400.00 = 1,040.00 untaxed, on three invoice lines (one per role and rate).
"""

from contextlib import contextmanager
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestBillingLedger(InvoicingCommon):
    def billed_net(self):
        """What Acme owes for its invoices: invoices not cancelled minus
        posted credit notes, untaxed."""
        moves = self.env["account.move"].search(
            [("partner_id", "=", self.partner_a.id)]
        )
        invoices = moves.filtered(
            lambda move: move.move_type == "out_invoice" and move.state != "cancel"
        )
        credits = moves.filtered(
            lambda move: move.move_type == "out_refund" and move.state == "posted"
        )
        return sum(invoices.mapped("amount_untaxed")) - sum(
            credits.mapped("amount_untaxed")
        )

    @contextmanager
    def assertRefused(self, exception, fragment):
        """Odoo's assertRaises rolls the refused change back (unittest's
        assertRaisesRegex does not): then the message is checked."""
        with self.assertRaises(exception) as refused:
            yield refused
        self.assertIn(fragment, str(refused.exception))

    def assertNothingToInvoice(self):
        with self.assertRefused(UserError, "Nothing to invoice"):
            self.invoice()

    def bob_two_days(self):
        """Bob 2 h on the 11th and 2 h on the 12th: one invoice line of 4 h
        at 80.00 = 320.00; Ann 4 h at 100.00 = 400.00 on another."""
        return self.approved(
            (self.bob, date(2026, 3, 11), 2.0),
            (self.bob, date(2026, 3, 12), 2.0),
            (self.ann, date(2026, 3, 10), 4.0),
        )

    def junior_line(self, move):
        return move.invoice_line_ids.filtered(lambda line: line.price_unit == 80)

    # ------------------------------------------------------------ paths

    def test_cancel_reset_and_post_again_bills_once(self):
        lines = self.standard_month()
        invoice = self.invoice()
        self.assertAlmostEqual(invoice.amount_untaxed, 1040.0)
        invoice.action_post()
        invoice.button_cancel()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertEqual(lines.mapped("to_invoice_hours"), [4.0, 2.0, 5.0])
        invoice.button_draft()
        # The draft bills them again: nothing is left to invoice.
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        self.assertEqual(lines.mapped("to_invoice_hours"), [0.0, 0.0, 0.0])
        invoice.action_post()
        self.assertNothingToInvoice()
        self.assertAlmostEqual(self.billed_net(), 1040.0)

    def test_a_cancelled_invoice_billed_again_is_not_restored(self):
        """Cancelled, its hours invoiced anew: putting the first invoice back
        to draft would bill them twice, and is refused, naming them."""
        lines = self.standard_month()
        first = self.invoice()
        first.action_post()
        first.button_cancel()
        second = self.invoice()
        self.assertAlmostEqual(second.amount_untaxed, 1040.0)
        self.assertEqual(lines.invoice_id, second)
        with self.assertRefused(ValidationError, "never billed twice"):
            first.button_draft()
        self.assertAlmostEqual(self.billed_net(), 1040.0)

    def test_reverse_and_create_invoice_bills_the_same_timesheets_once(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": date(2026, 4, 2)})
        )
        action = reversal.modify_moves()
        new_invoice = self.env["account.move"].browse(action["res_id"])
        credit_note = invoice.reversal_move_ids
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(new_invoice.state, "draft")
        # Each credit line reverses the invoice line it copies, and the new
        # invoice's lines bill the same timesheets.
        for origin in invoice.invoice_line_ids:
            credit = credit_note.invoice_line_ids.filtered(
                lambda line, origin=origin: line.timesheet_source_line_id == origin
            )
            again = new_invoice.invoice_line_ids.filtered(
                lambda line, origin=origin: line.timesheet_source_line_id == origin
            )
            self.assertEqual(credit.timesheet_line_ids, origin.timesheet_line_ids)
            self.assertEqual(again.timesheet_line_ids, origin.timesheet_line_ids)
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        self.assertEqual(lines.mapped("invoiced_hours"), [4.0, 2.0, 5.0])
        self.assertEqual(lines.invoice_id, new_invoice)
        self.assertNothingToInvoice()
        new_invoice.action_post()
        # 1,040.00 - 1,040.00 + 1,040.00
        self.assertAlmostEqual(self.billed_net(), 1040.0)

    def test_a_credit_note_reset_and_cancelled_bills_the_hours_again(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        credit_note = self._credit_note(invoice)
        # A draft credit note credits nothing yet.
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        credit_note.action_post()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertAlmostEqual(self.billed_net(), 0.0)
        credit_note.button_draft()
        credit_note.button_cancel()
        # The invoice is owed in full again, and its timesheets billed by it.
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        self.assertNothingToInvoice()
        self.assertAlmostEqual(self.billed_net(), 1040.0)

    def test_a_credit_note_undone_after_billing_again_is_refused(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        credit_note = self._credit_note(invoice)
        credit_note.action_post()
        again = self.invoice()
        self.assertAlmostEqual(again.amount_untaxed, 1040.0)
        with self.assertRefused(ValidationError, "never billed twice") as error:
            credit_note.button_draft()
        self.assertIn("Ann, 2026-03-10, Acme ERP", str(error.exception))
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})

    def test_a_second_full_credit_note_is_refused(self):
        self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        self._credit_note(invoice)
        with self.assertRefused(UserError, "still invoiced"):
            self._credit_note(invoice)

    def test_partial_credit_note_splits_the_latest_timesheet(self):
        """1.5 h of Bob's 4 h credited (120.00): the 12th keeps 0.5 h billed
        and is ready to invoice for 1.5 h; the 11th stays billed in full."""
        eleventh, twelfth, ann = self.bob_two_days()
        invoice = self.invoice()
        invoice.action_post()
        credit_note = self._credit_note(invoice)
        junior = self.junior_line(credit_note)
        credit_note.write(
            {
                "invoice_line_ids": [
                    # the label no longer says what it credits: it does not
                    # matter, the line knows the invoice line it reverses
                    Command.update(junior.id, {"quantity": 1.5, "name": "Goodwill"}),
                    *[
                        Command.delete(line.id)
                        for line in credit_note.invoice_line_ids - junior
                    ],
                ]
            }
        )
        credit_note.action_post()
        self.assertAlmostEqual(credit_note.amount_untaxed, 120.0)  # 1.5 h x 80.00
        self.assertEqual(eleventh.billing_state, "invoiced")
        self.assertEqual(ann.billing_state, "invoiced")
        self.assertEqual(
            (twelfth.billing_state, twelfth.invoicing_status),
            ("approved", "partly_invoiced"),
        )
        self.assertAlmostEqual(twelfth.invoiced_hours, 0.5)
        self.assertAlmostEqual(twelfth.to_invoice_hours, 1.5)
        self.assertAlmostEqual(twelfth.sudo().to_invoice_amount, 120.0)
        # The profitability report splits its 160.00: 40.00 invoiced, 120.00 not.
        row = self.env["timesheet.billing.analysis"].search(
            [("line_id", "=", twelfth.id)]
        )
        self.assertEqual((row.invoiced_amount, row.unbilled_amount), (40.0, 120.0))
        # Posting the credit note again credits nothing more.
        credit_note.button_draft()
        credit_note.action_post()
        self.assertAlmostEqual(twelfth.invoiced_hours, 0.5)
        again = self.invoice()
        self.assertEqual(again.invoice_line_ids.quantity, 1.5)
        self.assertAlmostEqual(again.amount_untaxed, 120.0)
        self.assertEqual(twelfth.billing_state, "invoiced")
        self.assertEqual(twelfth.invoice_id, again)
        # 720.00 - 120.00 + 120.00: Bob's 4 h x 80.00 and Ann's 400.00, once.
        self.assertAlmostEqual(self.billed_net(), 720.0)

    def test_a_lowered_draft_quantity_gives_back_the_latest_hours(self):
        """Bob's line of 4 h lowered to 3 h on the draft: the 12th gives 1 h
        back (ready to invoice), the 11th stays billed."""
        eleventh, twelfth, _ann = self.bob_two_days()
        invoice = self.invoice()
        junior = self.junior_line(invoice)
        with (
            Form(invoice) as form,
            form.invoice_line_ids.edit(
                list(invoice.invoice_line_ids).index(junior)
            ) as line,
        ):
            line.quantity = 3.0
        self.assertAlmostEqual(junior.timesheet_hours, 3.0)
        self.assertEqual(eleventh.billing_state, "invoiced")
        self.assertEqual(twelfth.invoicing_status, "partly_invoiced")
        self.assertAlmostEqual(twelfth.to_invoice_hours, 1.0)
        again = self.invoice()
        self.assertAlmostEqual(again.amount_untaxed, 80.0)
        self.assertEqual(twelfth.billing_state, "invoiced")

    def test_a_raised_draft_quantity_is_refused(self):
        self.bob_two_days()
        invoice = self.invoice()
        junior = self.junior_line(invoice)
        with self.assertRefused(UserError, "bills 4 h of timesheets"):
            junior.quantity = 6.0
        self.assertEqual(junior.quantity, 4.0)

    def test_a_quantity_in_days_is_converted(self):
        """4 h lowered to 0.25 day (2 h, at 8 h a day): 2 h given back."""
        eleventh, twelfth, _ann = self.bob_two_days()
        invoice = self.invoice()
        junior = self.junior_line(invoice)
        junior.write(
            {"product_uom_id": self.env.ref("uom.product_uom_day").id, "quantity": 0.25}
        )
        self.assertEqual(twelfth.billing_state, "approved")
        self.assertAlmostEqual(twelfth.to_invoice_hours, 2.0)
        self.assertEqual(eleventh.billing_state, "invoiced")

    def test_a_duplicated_invoice_bills_no_timesheet(self):
        lines = self.standard_month()
        invoice = self.invoice()
        copy = invoice.copy()
        self.assertFalse(copy.invoice_line_ids.timesheet_line_ids)
        copy.unlink()
        self.assertEqual(lines.invoice_id, invoice)
        self.assertEqual(lines.mapped("invoiced_hours"), [4.0, 2.0, 5.0])

    def test_a_billed_timesheet_is_never_deleted(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        self._credit_note(invoice).action_post()
        lines[0].with_user(self.lea).action_reset_to_draft()
        with self.assertRefused(UserError, "stay for the record"):
            lines[0].unlink()

    def test_a_partly_invoiced_timesheet_is_not_reset_to_draft(self):
        _eleventh, twelfth, _ann = self.bob_two_days()
        invoice = self.invoice()
        self.junior_line(invoice).quantity = 3.0
        with self.assertRefused(UserError, "partly invoiced"):
            twelfth.with_user(self.lea).action_reset_to_draft()

    def test_approval_writes_what_the_compute_says(self):
        """Approving writes what is left to invoice in its one UPDATE: the
        same as the ORM computes. Ann 4 h x 100.00, 2.5 h x 120.00, Bob
        0.33 h x 80.00 = 26.40; a line marked not billable: nothing."""
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Work {index}",
                    "project_id": self.project.id,
                    "employee_id": employee.id,
                    "date": day,
                    "unit_amount": hours,
                }
                for index, (employee, day, hours) in enumerate(
                    [
                        (self.ann, date(2026, 3, 10), 4.0),
                        (self.ann, date(2026, 3, 20), 2.5),
                        (self.bob, date(2026, 3, 12), 0.33),
                        (self.bob, date(2026, 3, 13), 1.0),
                    ]
                )
            ]
        )
        lines[3].exclude_from_billing = True
        lines.action_submit()
        lines.with_user(self.lea).action_approve()
        written = [(line.to_invoice_hours, line.to_invoice_amount) for line in lines]
        self.assertEqual(
            written, [(4.0, 400.0), (2.5, 300.0), (0.33, 26.4), (0.0, 0.0)]
        )
        Line = self.env["account.analytic.line"]
        for name in ("to_invoice_hours", "to_invoice_amount"):
            self.env.add_to_compute(Line._fields[name], lines)
        lines.flush_recordset()
        lines.invalidate_recordset()
        self.assertEqual(
            [(line.to_invoice_hours, line.to_invoice_amount) for line in lines],
            written,
        )

    def test_invoicing_writes_what_the_ledger_says(self):
        """The engine writes what its invoices bill in one UPDATE: the same as
        the ORM computes from the ledger."""
        lines = self.standard_month() | self.bob_two_days()
        self.invoice()
        fields_ = [
            "billing_state",
            "invoiced_hours",
            "to_invoice_hours",
            "to_invoice_amount",
            "invoice_line_id",
            "invoice_id",
        ]
        written = lines.read(fields_)
        Line = self.env["account.analytic.line"]
        for name in fields_:
            self.env.add_to_compute(Line._fields[name], lines)
        lines.flush_recordset()
        lines.invalidate_recordset()
        self.assertEqual(lines.read(fields_), written)
        self.assertEqual(lines.mapped("invoiced_hours"), [4.0, 2.0, 5.0, 2.0, 2.0, 4.0])

    def test_a_posted_line_keeps_its_quantity(self):
        self.bob_two_days()
        invoice = self.invoice()
        invoice.action_post()
        with self.assertRefused(UserError, "on a draft only"):
            self.junior_line(invoice).quantity = 3.0

    def test_a_negative_quantity_is_refused(self):
        self.bob_two_days()
        invoice = self.invoice()
        with self.assertRefused(UserError, "cannot be negative"):
            self.junior_line(invoice).quantity = -4.0

    def test_reverse_and_create_dated_later_waits_for_its_credit_note(self):
        """A reversal dated after today is a draft credit note Odoo posts on its
        date: billing the hours again before then would bill them twice."""
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": date(2026, 4, 20)})
        )
        with self.assertRefused(UserError, "post the credit note first"):
            reversal.modify_moves()
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})

    def test_lowering_a_line_costs_the_same_for_10_or_100_timesheets(self):
        few = self.approved(
            *[(self.bob, date(2026, 3, 2), 0.1) for _index in range(10)]
        )
        few_invoice = self.invoice()
        many = self.approved(
            *[(self.bob, date(2026, 3, 9), 0.1) for _index in range(100)]
        )
        many_invoice = self.invoice()
        queries = []
        for invoice, lines in ((few_invoice, few), (many_invoice, many)):
            self.assertEqual(invoice.invoice_line_ids.timesheet_line_ids, lines)
            line = invoice.invoice_line_ids
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            line.quantity = 0.4  # 0.4 h of 0.1 h still billed: 4 timesheets
            self.env.flush_all()
            queries.append(self.cr.sql_log_count - before)
            self.assertEqual(
                len(lines.filtered(lambda ts: ts.billing_state == "invoiced")), 4
            )
        self.assertLessEqual(queries[1], queries[0])

    # ---------------------------------------------------- budget and log

    def test_a_back_dated_line_takes_the_overflow_itself(self):
        """Budget of 10 h billed up to it: 8 h approved and invoiced, then a
        draft of 4 h dated before them. The invoiced line keeps its 8 h; the
        new one bills 2 h (its 2 h over the budget are kept out)."""
        self.env["timesheet.billing.rule"].create(
            {"name": "Budget", "rule_type": "budget", "severity": "warn"}
        )
        self.project.write({"budget_hours": 10.0, "budget_policy": "overflow"})
        invoiced = self.approved((self.ann, date(2026, 3, 20), 8.0))
        invoice = self.invoice()
        self.assertAlmostEqual(invoice.amount_untaxed, 960.0)  # 8 h x 120.00
        back_dated = self.env["account.analytic.line"].create(
            {
                "name": "Forgotten",
                "project_id": self.project.id,
                "employee_id": self.ann.id,
                "date": date(2026, 3, 2),
                "unit_amount": 4.0,
            }
        )
        self.assertEqual(invoiced.billable_hours, 8.0)
        self.assertEqual(invoiced.budget_overflow_hours, 0.0)
        self.assertEqual(invoiced.billing_state, "invoiced")
        self.assertEqual(back_dated.budget_overflow_hours, 2.0)
        self.assertEqual(back_dated.billable_hours, 2.0)

    def test_every_billing_event_is_in_the_audit_trail(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.with_user(self.accountant).action_post()
        credit_note = self._credit_note(invoice)
        credit_note.action_post()
        credit_note.button_draft()
        invoice.button_draft()
        invoice.button_cancel()
        logs = self.env["timesheet.billing.approval.log"].search(
            [("move_id", "!=", False), ("id", "in", lines.approval_log_ids.ids)],
            order="id",
        )
        # Ann's week of the 9th (4 h), of the 16th (2 h), Bob's (5 h): three
        # logs per event.
        events = [(log.event, log.move_id) for log in logs]
        self.assertEqual(
            events,
            [("invoiced", invoice)] * 3
            + [("credited", credit_note)] * 3
            + [("rebilled", credit_note)] * 3
            + [("released", invoice)] * 3,
        )
        first = logs[0]
        self.assertEqual(first.user_id, self.accountant)
        self.assertEqual(
            logs.filtered(lambda log: log.event == "credited")[0].reason,
            credit_note.name,
        )
        self.assertEqual(
            sorted(logs.filtered(lambda log: log.event == "released").mapped("hours")),
            [2.0, 4.0, 5.0],
        )

    # ------------------------------------------------------------ engine

    def test_the_engine_is_callable_over_the_api(self):
        """What the wizard does, as an accountant would over XML-RPC."""
        lines = self.standard_month()
        Engine = self.env["timesheet.billing.invoicing"]
        ids = Engine.with_user(self.accountant).invoice_timesheets(
            "2026-03-31", invoice_date="2026-04-01", grouping="project"
        )
        invoice = self.env["account.move"].browse(ids)
        self.assertAlmostEqual(invoice.amount_untaxed, 1040.0)
        self.assertEqual(lines.invoice_id, invoice)
        employee = new_test_user(
            self.env, login="htb_ledger_employee", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            Engine.with_user(employee).invoice_timesheets("2026-03-31")

    def test_nobody_writes_the_ledger_through_an_invoice_line(self):
        """Over the API, an accountant can neither give an invoice line ledger
        entries nor point a line of another customer at billed timesheets."""
        lines = self.standard_month()
        invoice = self.invoice()
        Move = self.env["account.move"].with_user(self.accountant)
        with self.assertRefused(AccessError, "written by Invoice Timesheets only"):
            Move.create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.partner_b.id,
                    "invoice_date": date(2026, 4, 1),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Hidden",
                                "quantity": 4.0,
                                "price_unit": 1.0,
                                "timesheet_entry_ids": [
                                    Command.create(
                                        {"timesheet_id": lines[0].id, "hours": 4.0}
                                    )
                                ],
                            }
                        )
                    ],
                }
            )
        with self.assertRefused(UserError, "only a credit note of its invoice"):
            Move.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_b.id,
                    "invoice_date": date(2026, 4, 1),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Someone else's",
                                "quantity": 4.0,
                                "price_unit": 1.0,
                                "timesheet_source_line_id": (
                                    invoice.invoice_line_ids[0].id
                                ),
                            }
                        )
                    ],
                }
            )
        with self.assertRefused(AccessError, "never changed"):
            invoice.invoice_line_ids[0].with_user(self.accountant).write(
                {"timesheet_source_line_id": invoice.invoice_line_ids[1].id}
            )
        self.assertEqual(lines.mapped("invoiced_hours"), [4.0, 2.0, 5.0])

    def test_nobody_writes_what_a_timesheet_billed(self):
        lines = self.standard_month()
        for values in (
            {"invoiced_hours": 0.0},
            {"to_invoice_hours": 4.0},
            {"to_invoice_amount": 1.0},
        ):
            with self.assertRefused(AccessError, "never set by hand"):
                lines[0].with_user(self.lea).write(values)
        self.assertEqual(lines[0].to_invoice_hours, 4.0)

    def test_invoice_lines_know_their_timesheets(self):
        """One line per timesheet: each invoice line bills exactly its own,
        whatever order the lines are created in."""
        lines = self.standard_month()
        invoice = self.invoice(line_detail="timesheet")
        for invoice_line in invoice.invoice_line_ids:
            timesheet = invoice_line.timesheet_line_ids
            self.assertEqual(len(timesheet), 1)
            self.assertIn(timesheet.employee_id.name, invoice_line.name)
            self.assertEqual(invoice_line.quantity, timesheet.billable_hours)
            self.assertEqual(invoice_line.price_unit, timesheet.sudo().bill_rate)
        self.assertEqual(invoice.invoice_line_ids.timesheet_line_ids, lines)
