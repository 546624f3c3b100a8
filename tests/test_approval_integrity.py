from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestSeparationOfDuties(InvoicingCommon):
    """Every hour invoiced was logged by its employee and approved by someone
    else, at each stage by a different person, in the approver's companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.timesheet_finance_approval = True
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        timesheet_user = "base.group_user,hr_timesheet.group_hr_timesheet_user"
        cls.owner = new_test_user(cls.env, login="htb_sod_owner", groups=timesheet_user)
        cls.ann.user_id = cls.owner
        finance = "base.group_user,hr_timesheet_billing.group_timesheet_billing_finance"
        cls.finance = new_test_user(cls.env, login="htb_sod_finance", groups=finance)
        # a lead who is also a Finance Approver
        cls.lead_finance = new_test_user(
            cls.env, login="htb_sod_lead_fin", groups=finance
        )
        cls.project.user_id = cls.lead_finance
        # Finance of company B only
        cls.finance_b = new_test_user(
            cls.env,
            login="htb_sod_finance_b",
            groups=finance,
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def line(self, hours=4.0, day=date(2026, 3, 10), user=None):
        Line = self.env["account.analytic.line"]
        if user:
            Line = Line.with_user(user)
        return Line.create(
            {
                "name": "Design",
                "project_id": self.project.id,
                "employee_id": self.ann.id,
                "date": day,
                "unit_amount": hours,
            }
        )

    def test_one_person_does_not_give_both_approvals(self):
        line = self.line()
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        self.assertEqual(
            (line.billing_state, line.lead_approver_id),
            ("lead_approved", self.lead_finance),
        )
        self.assertFalse(line.with_user(self.lead_finance).can_approve)
        with self.assertRaisesRegex(
            AccessError, "Finance stage of those they approved"
        ):
            line.with_user(self.lead_finance).action_approve()
        self.assertEqual(line.billing_state, "lead_approved")
        line.with_user(self.finance).action_approve()
        self.assertEqual(line.billing_state, "approved")
        # the log says who did what
        self.assertEqual(
            line.approval_log_ids.sorted("id").mapped(
                lambda log: (log.to_state, log.user_id)
            ),
            [
                ("submitted", self.owner),
                ("lead_approved", self.lead_finance),
                ("approved", self.finance),
            ],
        )

    def test_small_firm_lets_one_person_give_both(self):
        self.env.company.timesheet_same_approver_both_stages = True
        line = self.line()
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        line.with_user(self.lead_finance).action_approve()
        self.assertEqual(line.billing_state, "approved")

    def test_no_approving_time_entered_for_someone_else(self):
        entered = self.line(user=self.lead_finance)
        entered.with_user(self.owner).action_submit()
        submitted = self.line(day=date(2026, 3, 11))
        submitted.with_user(self.lead_finance).action_submit()
        changed = self.line(day=date(2026, 3, 12))
        changed.with_user(self.owner).action_submit()
        changed.with_user(self.lead_finance).write({"unit_amount": 30.0})
        self.assertEqual(changed.hours_changed_by_id, self.lead_finance)
        for line in (entered, submitted, changed):
            with self.assertRaisesRegex(AccessError, "entered, submitted or changed"):
                line.with_user(self.lead_finance).action_approve()
        self.assertEqual(
            (entered | submitted | changed).mapped("billing_state"), ["submitted"] * 3
        )
        # the employee's own later change gives the hours back to them
        changed.with_user(self.lead_finance).action_reject("Back to you")
        changed.with_user(self.owner).write({"unit_amount": 8.0})
        self.assertFalse(changed.hours_changed_by_id)

    def test_approvers_do_not_acknowledge_their_own_warnings(self):
        own = self.env["account.analytic.line"].create(
            {
                "name": "Own",
                "project_id": self.project.id,
                "employee_id": self.env["hr.employee"]
                .create({"name": "Lea", "user_id": self.lea.id})
                .id,
                "date": date(2026, 3, 10),
                "unit_amount": 1.0,
            }
        )
        with self.assertRaisesRegex(AccessError, "warnings of their own time"):
            own.with_user(self.lea).action_acknowledge_warnings()

    def test_approval_actions_stay_in_the_users_companies(self):
        line = self.line()
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        for action in ("action_approve", "action_reset_to_draft"):
            with self.assertRaisesRegex(AccessError, r"company not selected now"):
                getattr(
                    self.env["account.analytic.line"]
                    .with_user(self.finance_b)
                    .browse(line.id),
                    action,
                )()
        with self.assertRaisesRegex(AccessError, "company not selected now"):
            self.env["account.analytic.line"].with_user(self.finance_b).browse(
                line.id
            ).action_reject("No")
        self.assertEqual(line.billing_state, "lead_approved")

    def test_approval_actions_refuse_lines_the_user_cannot_see(self):
        other = new_test_user(
            self.env,
            login="htb_sod_other",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        line = self.line()
        with self.assertRaisesRegex(AccessError, "not theirs to see"):
            self.env["account.analytic.line"].with_user(other).browse(
                line.id
            ).action_submit()
        self.assertEqual(line.billing_state, "draft")

    def test_revenue_is_for_billing_people_in_the_selected_companies(self):
        line = self.line()
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        line.with_user(self.finance).action_approve()
        partner = self.partner_a
        for user in (self.owner, self.accountant):
            with self.assertRaises(AccessError):
                partner.with_user(user).read(["timesheet_to_invoice_amount"])
            with self.assertRaises(AccessError):
                self.project.with_user(user).read(["timesheet_invoiced_amount"])
        # Ann's 4 h x 100.00, approved in this company
        self.assertEqual(
            partner.with_user(self.finance).timesheet_to_invoice_amount, 400.0
        )
        self.finance.company_ids += self.company_b
        in_b_only = partner.with_user(self.finance).with_context(
            allowed_company_ids=self.company_b.ids
        )
        self.assertEqual(in_b_only.timesheet_to_invoice_amount, 0.0)

    def test_pending_edits_are_checked_and_logged(self):
        self.env["timesheet.billing.rule"].create(
            {
                "name": "At most 24 hours a day",
                "rule_type": "daily_hours",
                "severity": "block",
                "max_hours": 24.0,
                "company_id": self.env.company.id,
            }
        )
        line = self.line()
        line.with_user(self.owner).action_submit()
        with self.assertRaises(ValidationError) as refused:
            line.with_user(self.lead_finance).write({"unit_amount": 30.0})
        self.assertIn("At most 24 hours a day", str(refused.exception))
        self.assertEqual(line.unit_amount, 4.0)
        line.with_user(self.lead_finance).write(
            {"unit_amount": 6.0, "date": date(2026, 3, 11)}
        )
        edited = line.approval_log_ids.filtered(lambda log: log.event == "edited")
        self.assertEqual(
            (edited.user_id, edited.to_state, edited.reason),
            (
                self.lead_finance,
                "submitted",
                "Quantity: 4 h → 6 h; Date: 2026-03-10 → 2026-03-11",
            ),
        )
        # a new description is no edit of what is billed
        line.with_user(self.lead_finance).write({"name": "Design review"})
        line.invalidate_recordset(["approval_log_ids"])
        self.assertEqual(line.approval_log_ids.mapped("event").count("edited"), 1)

    def test_every_transition_goes_through_one_door(self):
        """An integrator's override of _on_billing_transition() sees every
        change of state: the actions' (written in SQL), the engine's, and the
        documents' (a posted credit note gives the hours back)."""
        Line = type(self.env["account.analytic.line"])
        seen = []
        original = Line._on_billing_transition

        def record(lines, old_state, new_state):
            seen.append((old_state, new_state, lines.ids))
            return original(lines, old_state, new_state)

        with patch.object(Line, "_on_billing_transition", record):
            line = self.line()
            line.with_user(self.owner).action_submit()
            line.with_user(self.lead_finance).action_approve()
            line.with_user(self.finance).action_approve()
            invoice = self.invoice()
            invoice.action_post()
            self._credit_note(invoice).action_post()
            line.invalidate_recordset()
            self.assertEqual(line.billing_state, "approved")
        self.assertEqual(
            seen,
            [
                ("draft", "submitted", line.ids),
                ("submitted", "lead_approved", line.ids),
                ("lead_approved", "approved", line.ids),
                ("approved", "invoiced", line.ids),
                ("invoiced", "approved", line.ids),
            ],
        )

    def test_no_clearing_the_mark_through_whose_time_it_is(self):
        """A lead who changes the hours and makes the line theirs, then gives
        it back, is still who changed them."""
        line = self.line()
        line.with_user(self.owner).action_submit()
        lead = line.with_user(self.lead_finance)
        lead.write({"unit_amount": 9.5, "user_id": self.lead_finance.id})
        lead.write({"user_id": self.owner.id})
        self.assertEqual(line.hours_changed_by_id, self.lead_finance)
        with self.assertRaisesRegex(AccessError, "entered, submitted or changed"):
            lead.action_approve()

    def test_changed_after_the_leads_approval_goes_back_to_the_lead(self):
        line = self.line(hours=2.0)
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        # Finance's own write-down is its stage's work: logged, not sent back
        line.with_user(self.finance).write(
            {"billable_hours": 1.5, "billable_hours_reason": "Onboarding"}
        )
        self.assertEqual(line.billing_state, "lead_approved")
        # the lead changing the hours they approved sends the line back
        line.with_user(self.lead_finance).write({"unit_amount": 20.0})
        self.assertEqual(
            (line.billing_state, line.lead_approver_id.id), ("submitted", False)
        )
        line.invalidate_recordset(["approval_log_ids"])
        logs = line.approval_log_ids.sorted("id")
        self.assertEqual(
            [(log.event, log.user_id, log.reason) for log in logs[-3:]],
            [
                ("edited", self.finance, "Billable Hours: 2.0 → 1.5"),
                ("edited", self.lead_finance, "Quantity: 2 h → 20 h"),
                (
                    "approval",
                    self.lead_finance,
                    "Changed after the lead's approval",
                ),
            ],
        )
        self.assertFalse(line.with_user(self.finance).can_approve)
        # the same value again is no change
        line.with_user(self.lead_finance).write({"date": "2026-03-10"})
        line.invalidate_recordset(["approval_log_ids"])
        self.assertEqual(len(line.approval_log_ids), len(logs))

    def test_a_line_approved_before_it_was_priced_is_left_out(self):
        """Approved while its project was not billed by the hour, then the
        project is: the line is never invoiced at 0, and the preview says why."""
        retainer = self.env["project.project"].create(
            {
                "name": "Acme Retainer",
                "partner_id": self.partner_a.id,
                "user_id": self.lead_finance.id,
                "timesheet_billing_type": "fixed_price",
                "invoice_product_id": self.service.id,
            }
        )
        line = self.env["account.analytic.line"].create(
            {
                "name": "Support",
                "project_id": retainer.id,
                "employee_id": self.ann.id,
                "date": date(2026, 3, 10),
                "unit_amount": 3.0,
            }
        )
        line.with_user(self.owner).action_submit()
        line.with_user(self.lead_finance).action_approve()
        line.with_user(self.finance).action_approve()
        self.assertEqual((line.is_billable, line.bill_rate_frozen), (False, True))
        retainer.timesheet_billing_type = "time_material"
        line.invalidate_recordset()
        self.assertEqual(
            (line.is_billable, line.non_billable_reason, line.to_invoice_hours),
            (False, "frozen_unpriced", 0.0),
        )
        wizard = (
            self.env["timesheet.billing.invoice"]
            .with_user(self.accountant)
            .create({"date_to": date(2026, 3, 31), "project_ids": retainer.ids})
        )
        self.assertIn("Approved before it was priced", wizard.preview)
        with self.assertRaises(UserError):
            wizard.action_create_invoices()
