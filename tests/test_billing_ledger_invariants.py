"""The ledger's promise, tried at random: whatever the accountant does with
the invoices and credit notes, in whatever order, no hour is billed twice nor
lost.

A state machine (hypothesis) applies random sequences of what Accounting
offers (invoice, post, cancel, reset to draft, delete a line, lower a draft
line's quantity, full and partial credit notes, post / cancel / reset them,
Reverse and create invoice, invoice again) to Acme's standard month, and
checks after every step, for every timesheet, that its hours billed are
between 0 and its billable hours, what is left to invoice is the rest, and
what the ledger says agrees with the documents; and for the customer, that
what the documents bill net (untaxed) is the hours billed times their rate.

A refusal (a change that would bill twice, a credit of more than is still
billed) is a valid answer: the step is rolled back and the invariants are
checked all the same. Fixed seed and bounded steps: the same run each time,
well under a minute.
"""

from datetime import date

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .invoicing_common import InvoicingCommon

QUARTER = 0.25


@tagged("post_install", "-at_install")
class TestBillingLedgerInvariants(InvoicingCommon):
    def test_no_path_of_accounting_bills_twice_or_loses_an_hour(self):
        run_state_machine_as_test(
            lambda: LedgerMachine(self),
            settings=settings(
                max_examples=20,
                stateful_step_count=12,
                derandomize=True,  # a fixed seed: the same sequences each run
                # A failure reports the sequence as found: shrinking it replays
                # hundreds of sequences against the database, for minutes.
                phases=[Phase.explicit, Phase.generate],
                report_multiple_bugs=False,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )


class LedgerMachine(RuleBasedStateMachine):
    """One example: Acme's standard month, approved, in a savepoint rolled
    back at its end."""

    def __init__(self, test):
        super().__init__()
        self.test = test
        self.env = test.env
        self.savepoint = self.env.cr.savepoint()
        self.savepoint.__enter__()
        # Quarter hours, so that every amount below is exact to the cent.
        self.timesheets = test.approved(
            (test.ann, date(2026, 3, 10), 4.0),
            (test.ann, date(2026, 3, 11), 1.75),
            (test.ann, date(2026, 3, 20), 2.0),
            (test.bob, date(2026, 3, 12), 5.0),
            (test.bob, date(2026, 3, 13), 2.5),
        )
        self.invoices = []
        self.credit_notes = []
        self.refusals = []  # valid answers, kept to read when a run fails

    def teardown(self):
        self.savepoint.close(rollback=True)
        self.env.invalidate_all()

    # ------------------------------------------------------------ helpers

    def attempt(self, operation):
        """Run ``operation``; a refusal rolls it back whole."""
        try:
            with self.env.cr.savepoint():
                operation()
                self.env.flush_all()
        except (UserError, ValidationError) as refusal:
            self.refusals.append(str(refusal))
        self.env.invalidate_all()

    def pick(self, moves, index, *states):
        candidates = [move for move in moves if move.state in states]
        return candidates[index % len(candidates)] if candidates else None

    def reverse(self, invoice, modify=False):
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": date(2026, 4, 2)})
        )
        action = reversal.modify_moves() if modify else reversal.refund_moves()
        self.credit_notes.append(invoice.reversal_move_ids.sorted("id")[-1])
        if modify:
            self.invoices.append(self.env["account.move"].browse(action["res_id"]))
        return self.credit_notes[-1]

    # -------------------------------------------------------------- rules

    def has(self, moves, *states):
        return any(move.state in states for move in moves)

    def to_invoice(self):
        return any(self.timesheets.mapped("to_invoice_hours"))

    @precondition(lambda self: self.to_invoice())
    @rule()
    def invoice(self):
        def run():
            self.invoices.append(self.test.invoice())

        self.attempt(run)

    @precondition(lambda self: self.has(self.invoices + self.credit_notes, "draft"))
    @rule(index=st.integers(0, 9))
    def post(self, index):
        move = self.pick(self.invoices + self.credit_notes, index, "draft")
        if move:
            self.attempt(move.action_post)

    @precondition(
        lambda self: self.has(self.invoices + self.credit_notes, "draft", "posted")
    )
    @rule(index=st.integers(0, 9))
    def cancel(self, index):
        move = self.pick(self.invoices + self.credit_notes, index, "draft", "posted")
        if move:

            def run():
                if move.state == "posted":
                    move.button_draft()
                move.button_cancel()

            self.attempt(run)

    @precondition(
        lambda self: self.has(self.invoices + self.credit_notes, "posted", "cancel")
    )
    @rule(index=st.integers(0, 9))
    def reset_to_draft(self, index):
        move = self.pick(self.invoices + self.credit_notes, index, "posted", "cancel")
        if move:
            self.attempt(move.button_draft)

    @precondition(lambda self: self.has(self.invoices + self.credit_notes, "draft"))
    @rule(index=st.integers(0, 9), line_index=st.integers(0, 9))
    def delete_a_line(self, index, line_index):
        move = self.pick(self.invoices + self.credit_notes, index, "draft")
        if move and move.invoice_line_ids:
            lines = move.invoice_line_ids
            line = lines[line_index % len(lines)]
            self.attempt(
                lambda: move.write({"invoice_line_ids": [Command.delete(line.id)]})
            )

    @precondition(lambda self: self.has(self.invoices + self.credit_notes, "draft"))
    @rule(
        index=st.integers(0, 9),
        line_index=st.integers(0, 9),
        quarters=st.integers(1, 12),
    )
    def lower_a_draft_quantity(self, index, line_index, quarters):
        move = self.pick(self.invoices + self.credit_notes, index, "draft")
        if move and move.invoice_line_ids:
            lines = move.invoice_line_ids
            line = lines[line_index % len(lines)]
            quantity = max(line.quantity - quarters * QUARTER, QUARTER)
            self.attempt(lambda: line.write({"quantity": quantity}))

    @precondition(lambda self: self.has(self.invoices, "posted"))
    @rule(index=st.integers(0, 9))
    def full_credit_note(self, index):
        invoice = self.pick(self.invoices, index, "posted")
        if invoice:
            self.attempt(lambda: self.reverse(invoice))

    @precondition(lambda self: self.has(self.invoices, "posted"))
    @rule(index=st.integers(0, 9), quarters=st.integers(1, 16))
    def partial_credit_note(self, index, quarters):
        invoice = self.pick(self.invoices, index, "posted")
        if invoice:

            def run():
                credit_note = self.reverse(invoice)
                kept = credit_note.invoice_line_ids[:1]
                credit_note.write(
                    {
                        "invoice_line_ids": [
                            Command.update(
                                kept.id,
                                {"quantity": min(kept.quantity, quarters * QUARTER)},
                            ),
                            *[
                                Command.delete(line.id)
                                for line in credit_note.invoice_line_ids - kept
                            ],
                        ]
                    }
                )

            self.attempt(run)

    @precondition(lambda self: self.has(self.invoices, "posted"))
    @rule(index=st.integers(0, 9))
    def reverse_and_create_invoice(self, index):
        invoice = self.pick(self.invoices, index, "posted")
        if invoice:
            self.attempt(lambda: self.reverse(invoice, modify=True))

    # --------------------------------------------------------- invariants

    @invariant()
    def hours_are_billed_once(self):
        for timesheet in self.timesheets:
            billable = timesheet.billable_hours
            billed = timesheet.invoiced_hours
            label = f"{timesheet.employee_id.name} {timesheet.date}"
            self.test.assertGreaterEqual(round(billed, 2), 0.0, label)
            self.test.assertLessEqual(round(billed, 2), round(billable, 2), label)
            self.test.assertAlmostEqual(
                timesheet.to_invoice_hours, billable - billed, 2, label
            )
            expected_state = (
                "invoiced" if round(billed - billable, 2) == 0 else "approved"
            )
            self.test.assertEqual(timesheet.billing_state, expected_state, label)

    @invariant()
    def the_ledger_is_what_the_documents_say(self):
        for timesheet in self.timesheets:
            entries = timesheet.sudo().billing_entry_ids
            counted = sum(
                entry.sign * entry.hours
                for entry in entries
                if (
                    entry.move_id.state != "cancel"
                    if entry.sign > 0
                    else entry.move_id.state == "posted"
                )
            )
            self.test.assertAlmostEqual(timesheet.invoiced_hours, counted, 2)
        for move in self.invoices + self.credit_notes:
            for line in move.invoice_line_ids:
                # A line and its ledger say the same hours.
                self.test.assertAlmostEqual(line.timesheet_hours, line.quantity, 2)

    @invariant()
    def the_customer_pays_each_hour_once(self):
        live = [move for move in self.invoices if move.state != "cancel"]
        credited = [move for move in self.credit_notes if move.state == "posted"]
        billed_net = sum(move.amount_untaxed for move in live) - sum(
            move.amount_untaxed for move in credited
        )
        expected = sum(
            timesheet.invoiced_hours * timesheet.sudo().bill_rate
            for timesheet in self.timesheets
        )
        self.test.assertAlmostEqual(billed_net, expected, 2)
