from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoicing(InvoicingCommon):
    """Invoice Timesheets: what it invoices, how, and what it leaves out."""

    def test_two_roles_a_rate_change_and_a_tax_excluded(self):
        lines = self.standard_month()
        invoice = self.invoice()
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.partner_a)
        self.assertEqual(invoice.invoice_payment_term_id, self.pay_terms_a)
        self.assertEqual(invoice.ref, "PO-4711")
        self.assertIn("ACME-ERP", invoice.invoice_origin)
        # Senior 4 h x 100.00 = 400.00, senior 2 h x 120.00 = 240.00,
        # junior 5 h x 80.00 = 400.00: 1,040.00; VAT 21% 218.40; 1,258.40.
        got = sorted(
            (line.quantity, line.price_unit, line.price_subtotal)
            for line in invoice.invoice_line_ids
        )
        self.assertEqual(
            got, [(2.0, 120.0, 240.0), (4.0, 100.0, 400.0), (5.0, 80.0, 400.0)]
        )
        self.assertAlmostEqual(invoice.amount_untaxed, 1040.0)
        self.assertAlmostEqual(invoice.amount_tax, 218.4)
        self.assertAlmostEqual(invoice.amount_total, 1258.4)
        for line in invoice.invoice_line_ids:
            self.assertEqual(line.product_id, self.service)
            self.assertEqual(line.tax_ids, self.tax_21)
            self.assertEqual(line.product_uom_id, self.env.ref("uom.product_uom_hour"))
            self.assertEqual(
                line.account_id,
                self.service.property_account_income_id
                or self.company_data["default_account_revenue"],
            )
            self.assertEqual(
                line.analytic_distribution, {str(self.project.account_id.id): 100}
            )
            self.assertTrue(line.name.startswith("ACME-ERP - "))
        senior_new = invoice.invoice_line_ids.filtered(
            lambda line: line.price_unit == 120
        )
        self.assertEqual(senior_new.name, "ACME-ERP - [SEN] Senior - 2026-03-20")
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        self.assertEqual(lines.invoice_id, invoice)
        self.assertEqual(senior_new.timesheet_line_ids, lines[1])
        # Nothing is billed twice.
        with self.assertRaises(UserError):
            self.invoice()

    def test_what_is_left_out_and_why(self):
        self.standard_month()
        submitted = self.env["account.analytic.line"].create(
            {
                "name": "Late",
                "project_id": self.project.id,
                "employee_id": self.bob.id,
                "date": date(2026, 3, 13),
                "unit_amount": 1.0,
            }
        )
        submitted.action_submit()
        wizard = Form(self.env["timesheet.billing.invoice"].with_user(self.accountant))
        wizard.date_to = date(2026, 3, 31)
        self.assertIn("1 draft invoice will be created.", wizard.preview)
        self.assertIn("1,040.00", wizard.preview)
        self.assertIn("not approved (Submitted)", wizard.preview)
        wizard.date_to = date(2026, 3, 11)
        self.assertIn("400.00", wizard.preview)  # only Ann's 4 h of the 10th

    def test_tax_included_price(self):
        self.tax_21.price_include_override = "tax_included"
        self.approved((self.ann, date(2026, 3, 10), 2.0))
        invoice = self.invoice()
        # 2 h x 100.00 tax included: 200.00 = 165.29 + 34.71
        self.assertAlmostEqual(invoice.amount_total, 200.0)
        self.assertAlmostEqual(invoice.amount_untaxed, 165.29)
        self.assertAlmostEqual(invoice.amount_tax, 34.71)

    def test_fiscal_position_maps_the_tax_to_zero(self):
        tax_0 = self.env["account.tax"].create(
            {"name": "VAT 0% export", "amount": 0.0, "type_tax_use": "sale"}
        )
        foreign = self.env["account.fiscal.position"].create(
            {
                "name": "Abroad",
                "tax_ids": [
                    Command.create(
                        {"tax_src_id": self.tax_21.id, "tax_dest_id": tax_0.id}
                    )
                ],
            }
        )
        self.partner_a.property_account_position_id = foreign
        self.standard_month()
        invoice = self.invoice()
        self.assertEqual(invoice.fiscal_position_id, foreign)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, tax_0)
        self.assertAlmostEqual(invoice.amount_untaxed, 1040.0)
        self.assertAlmostEqual(invoice.amount_tax, 0.0)

    def test_due_date_follows_the_invoice_date(self):
        """Made on April 2nd, dated April 1st: due on its date without payment
        terms (not on the day it was made), 30 days after it with them."""
        self.partner_a.property_payment_term_id = False
        self.standard_month()
        invoice = self.invoice()
        self.assertEqual(invoice.invoice_date_due, date(2026, 4, 1))
        invoice.action_post()
        self.assertEqual(invoice.invoice_date_due, date(2026, 4, 1))
        self.assertEqual(
            invoice.line_ids.filtered("date_maturity").date_maturity, date(2026, 4, 1)
        )

        self.partner_a.property_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        self.approved((self.ann, date(2026, 3, 11), 1.0))
        later = self.invoice()
        self.assertEqual(later.invoice_payment_term_id.name, "30 Days")
        self.assertEqual(later.invoice_date_due, date(2026, 5, 1))

    def test_customer_invoiced_in_another_currency(self):
        eur = self.setup_other_currency("EUR")  # 2 EUR for 1 USD since 2017
        self.contract.currency_id = eur
        self.approved((self.ann, date(2026, 3, 10), 3.0))
        invoice = self.invoice()
        # 3 h x 100.00 USD = 3 h x 200.00 EUR = 600.00 EUR
        self.assertEqual(invoice.currency_id, eur)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 200.0)
        self.assertAlmostEqual(invoice.amount_untaxed, 600.0)

    def test_line_detail_and_grouping(self):
        self.standard_month()
        invoice = self.invoice(line_detail="timesheet")
        self.assertEqual(len(invoice.invoice_line_ids), 3)
        invoice.unlink()
        invoice = self.invoice(line_detail="employee")
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("quantity")),
            [4.0, 2.0, 5.0][::1] and sorted([4.0, 2.0, 5.0]),
        )

    # ------------------------------------------------------------ reversals

    def test_deleting_a_draft_invoice_releases_its_timesheets(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.unlink()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertFalse(lines.invoice_line_id)
        self.assertEqual(len(self.invoice().invoice_line_ids), 3)

    def test_removing_an_invoice_line_releases_exactly_its_timesheets(self):
        lines = self.standard_month()
        invoice = self.invoice()
        junior = invoice.invoice_line_ids.filtered(lambda line: line.price_unit == 80)
        invoice.write({"invoice_line_ids": [Command.delete(junior.id)]})
        bob_line = lines.filtered(lambda line: line.employee_id == self.bob)
        self.assertEqual(bob_line.billing_state, "approved")
        self.assertEqual(set((lines - bob_line).mapped("billing_state")), {"invoiced"})

    def test_cancelling_a_posted_invoice_releases_its_timesheets(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        invoice.button_draft()
        invoice.action_post()
        self.assertEqual(len(lines.invoice_line_id), 3)
        self.assertEqual(lines.invoice_id, invoice)
        invoice.button_cancel()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertFalse(lines.invoice_line_id)
        log = lines[0].approval_log_ids.sorted("id")[-1]
        self.assertEqual(
            (log.event, log.move_id, log.reason, log.user_id),
            ("released", invoice, invoice.name, self.env.user),
        )

    def test_invoiced_lines_are_locked(self):
        lines = self.standard_month()
        self.invoice()
        with self.assertRaises(UserError):
            lines[0].with_user(self.lea).unit_amount = 9
        with self.assertRaises(UserError):
            lines[0].with_user(self.lea).action_reset_to_draft()

    def test_full_credit_note_releases_all_timesheets(self):
        lines = self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        credit_note = self._credit_note(invoice)
        credit_note.action_post()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertEqual(lines.mapped("invoiced_hours"), [0.0, 0.0, 0.0])
        self.assertEqual(lines.mapped("to_invoice_hours"), [4.0, 2.0, 5.0])
        # Posting again, or another credit note, changes nothing more.
        credit_note.button_draft()
        credit_note.action_post()
        self.assertEqual(len(self.invoice().invoice_line_ids), 3)

    def test_partial_credit_note_releases_only_the_credited_hours(self):
        """Bob's 4 h (2 h on the 11th, 2 h on the 12th) are one invoice line;
        2 h are credited: the 12th is released and invoiced again, the 11th
        stays on the first invoice, even when the credit note is posted twice."""
        lines = self.approved(
            (self.bob, date(2026, 3, 11), 2.0),
            (self.bob, date(2026, 3, 12), 2.0),
            (self.ann, date(2026, 3, 10), 4.0),
        )
        invoice = self.invoice()
        invoice.action_post()
        credit_note = self._credit_note(invoice)
        junior = credit_note.invoice_line_ids.filtered(
            lambda line: line.price_unit == 80
        )
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.update(junior.id, {"quantity": 2.0}),
                    *[
                        Command.delete(line.id)
                        for line in credit_note.invoice_line_ids - junior
                    ],
                ]
            }
        )
        credit_note.action_post()
        self.assertAlmostEqual(credit_note.amount_untaxed, 160.0)  # 2 h x 80.00
        eleventh, twelfth, ann = lines
        self.assertEqual(twelfth.billing_state, "approved")
        self.assertEqual(eleventh.billing_state, "invoiced")
        self.assertEqual(ann.billing_state, "invoiced")
        # Posting the credit note again releases nothing more.
        credit_note.button_draft()
        credit_note.action_post()
        self.assertEqual(eleventh.billing_state, "invoiced")
        again = self.invoice()
        self.assertEqual(again.invoice_line_ids.quantity, 2.0)
        self.assertAlmostEqual(again.amount_untaxed, 160.0)
        self.assertEqual(twelfth.invoice_id, again)

    def test_status_on_project_and_customer(self):
        """Approved 1,040.00; invoiced then: 1,040.00; paid: 1,040.00."""
        lines = self.standard_month()
        for record in (self.project, self.partner_a):
            self.assertAlmostEqual(record.timesheet_to_invoice_amount, 1040.0)
            self.assertAlmostEqual(record.timesheet_invoiced_amount, 0.0)
        invoice = self.invoice()
        invoice.action_post()
        self.env.invalidate_all()
        for record in (self.project, self.partner_a):
            self.assertAlmostEqual(record.timesheet_to_invoice_amount, 0.0)
            self.assertAlmostEqual(record.timesheet_invoiced_amount, 1040.0)
            self.assertAlmostEqual(record.timesheet_paid_amount, 0.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.env.invalidate_all()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(self.project.timesheet_paid_amount, 1040.0)
        paid = self.env["account.analytic.line"].search(
            [("invoice_id.payment_state", "in", ("paid", "in_payment"))]
        )
        self.assertEqual(len(paid), 3)
        self.assertEqual(
            set(lines.mapped("invoice_payment_state")), {invoice.payment_state}
        )
        self.assertEqual(
            self.env["account.analytic.line"].search(
                [("invoice_payment_state", "=", invoice.payment_state)]
            ),
            lines,
        )

    def test_scheduled_drafts_per_contract_cycle(self):
        """On 2026-04-02, the monthly contract is invoiced up to 2026-03-31,
        once; a contract that fails does not stop the others."""
        self.contract.invoicing_cycle = "monthly"
        lines = self.standard_month()
        broken = self.env["project.project"].create(
            {
                "name": "Globex",
                "partner_id": self.partner_b.id,
                "user_id": self.lea.id,
                "company_id": self.env.company.id,
            }
        )
        self.env["timesheet.billing.contract"].create(
            {
                "name": "Globex weekly",
                "partner_id": self.partner_b.id,
                "project_ids": [Command.set(broken.ids)],
                "date_start": "2026-01-01",
                "invoicing_cycle": "weekly",
            }
        )
        globex_line = self.approved((self.ann, date(2026, 3, 24), 1.0), project=broken)
        broken.invoice_product_id = False
        self.env.company.timesheet_billing_product_id = False
        Contract = self.env["timesheet.billing.contract"]
        with self.assertLogs("odoo.addons.hr_timesheet_billing", level="ERROR"):
            Contract._cron_create_draft_invoices()
        self.assertEqual(set(lines.mapped("billing_state")), {"invoiced"})
        self.assertEqual(lines.invoice_id.ref, "PO-4711")
        self.assertEqual(self.contract.last_invoice_date, date(2026, 3, 31))
        self.assertEqual(globex_line.billing_state, "approved")
        invoices = self.env["account.move"].search_count(
            [("move_type", "=", "out_invoice")]
        )
        Contract._cron_create_draft_invoices()
        self.assertEqual(
            self.env["account.move"].search_count([("move_type", "=", "out_invoice")]),
            invoices,
        )

    def test_invoice_pdf_annex_and_amount_in_words(self):
        self.standard_month()
        invoice = self.invoice()
        invoice.action_post()
        report = self.env["ir.actions.report"]
        html = report._render_qweb_html("account.report_invoice", invoice.ids)[0]
        self.assertNotIn(b"timesheet_annex", html)
        self.env.company.write(
            {
                "timesheet_invoice_annex": True,
                "display_invoice_amount_total_words": True,
            }
        )
        html = report._render_qweb_html("account.report_invoice", invoice.ids)[0]
        annex = html.split(b'id="timesheet_annex"', 1)[1]
        for text in (b"Ann", b"Bob", b"Work 0", b"04:00", b"02:00", b"05:00", b"11:00"):
            self.assertIn(text, annex)
        # 1,258.40 in words (num2words, through the currency)
        self.assertIn(
            b"One Thousand Two Hundred And Fifty-Eight Dollars and Forty Cents", html
        )

    def _approved_batch(self, count, first_day):
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "name": f"Batch {index}",
                    "project_id": self.project.id,
                    "employee_id": self.ann.id,
                    "date": first_day.replace(day=first_day.day + index % 5),
                    "unit_amount": 0.01,
                }
                for index in range(count)
            ]
        )
        lines.action_submit()
        lines.with_user(self.lea).action_approve()
        return lines

    def _invoicing_queries(self, first_day):
        wizard = (
            self.env["timesheet.billing.invoice"]
            .with_user(self.accountant)
            .create(
                {
                    "date_to": first_day.replace(day=first_day.day + 4),
                    "invoice_date": date(2026, 4, 1),
                }
            )
        )
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        wizard.action_create_invoices()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_invoicing_queries_do_not_grow_with_timesheets(self):
        """One invoice of one line (Ann, senior, 100.00) for 100 timesheets,
        then for 2,000: the same queries (the plan is one grouped query, the
        transition one UPDATE)."""
        few = self._approved_batch(100, date(2026, 3, 2))
        few_queries = self._invoicing_queries(date(2026, 3, 2))
        many = self._approved_batch(2000, date(2026, 3, 9))
        many_queries = self._invoicing_queries(date(2026, 3, 9))
        self.assertEqual(set(many.mapped("billing_state")), {"invoiced"})
        # 2,000 x 0.01 h = 20 h x 100.00 = 2,000.00
        self.assertAlmostEqual(many.invoice_id.amount_untaxed, 2000.0)
        self.assertEqual(len(few.invoice_id.invoice_line_ids), 1)
        # The first run also sets the journal's sequence up: at most as many.
        self.assertLessEqual(many_queries, few_queries)
        # Posting either invoice costs the same: the timesheets are not rewritten.
        post_queries = []
        for invoice in (few.invoice_id, many.invoice_id):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            invoice.action_post()
            self.env.flush_all()
            post_queries.append(self.cr.sql_log_count - before)
        self.assertLessEqual(post_queries[1], post_queries[0])

    def test_opened_from_selected_timesheets(self):
        lines = self.standard_month()
        wizard = Form(
            self.env["timesheet.billing.invoice"]
            .with_user(self.accountant)
            .with_context(
                active_model="account.analytic.line", active_ids=lines[:1].ids
            )
        )
        wizard.date_to = date(2026, 3, 31)
        invoice = self.env["account.move"].browse(
            wizard.save().action_create_invoices()["res_id"]
        )
        self.assertEqual(invoice.invoice_line_ids.timesheet_line_ids, lines[:1])
        self.assertEqual(lines[1:].mapped("billing_state"), ["approved", "approved"])

    def test_cancelling_a_draft_invoice_releases_its_timesheets(self):
        lines = self.standard_month()
        self.invoice().button_cancel()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
