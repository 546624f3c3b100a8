from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user, tagged

from odoo.addons.hr_timesheet_billing.models.billing_write_policy import (
    APPROVERS,
    OPEN_STATES,
    WRITE_POLICY,
    WriteRule,
)

from .invoicing_common import InvoicingCommon

STATES = ("draft", "submitted", "lead_approved", "approved", "invoiced")


@tagged("post_install", "-at_install")
class TestWritePolicy(InvoicingCommon):
    """Every field this addon adds to a timesheet, written over the ORM by
    every role in every approval state, is refused or allowed exactly as the
    write policy (models/billing_write_policy.py) says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.timesheet_finance_approval = True
        timesheet_user = "base.group_user,hr_timesheet.group_hr_timesheet_user"
        cls.owner = new_test_user(cls.env, login="htb_wp_owner", groups=timesheet_user)
        cls.other = new_test_user(cls.env, login="htb_wp_other", groups=timesheet_user)
        cls.ann.user_id = cls.owner
        cls.env["hr.employee"].create({"name": "Other", "user_id": cls.other.id})
        cls.finance = new_test_user(
            cls.env,
            login="htb_wp_finance",
            groups="base.group_user,hr_timesheet_billing.group_timesheet_billing_finance",
        )
        cls.manager = new_test_user(
            cls.env,
            login="htb_wp_manager",
            groups="base.group_user,hr_timesheet_billing.group_timesheet_billing_manager",
        )
        cls.roles = {
            "employee owner": cls.owner,
            "other employee": cls.other,
            "lead": cls.lea,
            "finance": cls.finance,
            "billing manager": cls.manager,
            "accountant": cls.accountant,
        }

    def lines_in_every_state(self):
        Line = self.env["account.analytic.line"]
        lines = Line.create(
            [
                {
                    "name": f"Work in {state}",
                    "project_id": self.project.id,
                    "employee_id": self.ann.id,
                    "date": date(2026, 3, 10 + index),
                    "unit_amount": 2.0,
                }
                for index, state in enumerate(STATES)
            ]
        )
        by_state = dict(zip(STATES, lines, strict=True))
        (lines - by_state["draft"]).with_user(self.owner).action_submit()
        past_lead = lines - by_state["draft"] - by_state["submitted"]
        past_lead.with_user(self.lea).action_approve()
        (by_state["approved"] | by_state["invoiced"]).with_user(
            self.finance
        ).action_approve()
        self.env["timesheet.billing.invoicing"].invoice_timesheets(
            date(2026, 3, 31), timesheet_ids=by_state["invoiced"].ids
        )
        lines.invalidate_recordset()
        self.assertEqual(lines.mapped("billing_state"), list(STATES))
        return by_state

    def may_write(self, user, line):
        try:
            line.with_user(user).check_access("write")
        except AccessError:
            return False
        return True

    def test_addon_fields_are_found_by_odoo_too(self):
        """What the policy guards is every field the addon's module brings,
        as Odoo's own registry of fields lists them."""
        Line = self.env["account.analytic.line"]
        listed = self.env["ir.model.fields"].search(
            [("model", "=", "account.analytic.line")]
        )
        ours = {
            field.name
            for field in listed
            if "hr_timesheet_billing" in (field.modules or "").split(", ")
        }
        self.assertEqual(Line._get_addon_fields(), frozenset(ours))
        self.assertIn("budget_overflow_hours", ours)
        self.assertNotIn("unit_amount", ours)

    def test_every_field_every_role_every_state(self):
        by_state = self.lines_in_every_state()
        Line = self.env["account.analytic.line"]
        checked = allowed_count = 0
        for name in sorted(Line._get_addon_fields()):
            field = Line._fields[name]
            rule = WRITE_POLICY.get(name)
            for state, line in by_state.items():
                value = field.convert_to_write(line.sudo()[name], line)
                for role, user in self.roles.items():
                    allowed = (
                        rule is not None
                        and any(user.has_group(group) for group in rule.groups)
                        and state in rule.states
                        and self.may_write(user, line)
                    )
                    with self.subTest(field=name, role=role, state=state):
                        checked += 1
                        if allowed:
                            allowed_count += 1
                            with self.env.cr.savepoint():
                                line.with_user(user).write({name: value})
                                line.flush_recordset()
                        else:
                            with self.assertRaises(AccessError):
                                line.with_user(user).write({name: value})
        self.assertEqual(checked, len(Line._get_addon_fields()) * 5 * 6)
        # 5 fields, 3 approving roles, 3 open states
        self.assertEqual(allowed_count, len(WRITE_POLICY) * 3 * len(OPEN_STATES))

    def test_employee_cannot_inflate_own_billed_hours(self):
        by_state = self.lines_in_every_state()
        for state in ("draft", "approved"):
            line = by_state[state]
            before = (line.billable_hours, line.sudo().bill_amount)
            with self.assertRaisesRegex(AccessError, "budget_overflow_hours"):
                line.with_user(self.owner).write({"budget_overflow_hours": -40})
            self.assertEqual((line.billable_hours, line.sudo().bill_amount), before)
        # 2.0 h at 100.00: what the invoice of March bills of the approved one
        invoice = self.invoice()
        self.assertEqual(invoice.amount_untaxed, 200.0)

    def test_employee_cannot_acknowledge_or_unlink_contract(self):
        line = self.lines_in_every_state()["draft"]
        for values in (
            {"warning_acknowledged_by_id": self.owner.id},
            {"contract_id": False},
            {"rule_warning": False},
            {"needs_attention": False},
            {"invoice_id": False},
        ):
            with self.assertRaisesRegex(AccessError, "never set by hand"):
                line.with_user(self.owner).write(values)
        self.assertEqual(line.contract_id, self.contract)

    def test_refusal_names_field_line_and_rule(self):
        by_state = self.lines_in_every_state()
        with self.assertRaisesRegex(
            AccessError, r"htb_wp_owner.*Billable Hours.*Ann.*all timesheets only"
        ):
            by_state["draft"].with_user(self.owner).write({"billable_hours": 9.0})
        with self.assertRaisesRegex(
            AccessError, r"Not Billable \(exclude_from_billing\).*Ann.*Draft"
        ):
            by_state["approved"].with_user(self.lea).write(
                {"exclude_from_billing": True}
            )
        with self.assertRaisesRegex(AccessError, "a new timesheet"):
            self.env["account.analytic.line"].with_user(self.owner).create(
                {
                    "name": "Sneaky",
                    "project_id": self.project.id,
                    "employee_id": self.ann.id,
                    "unit_amount": 1.0,
                    "billing_role_id": self.senior.id,
                }
            )

    def test_approver_sets_billable_hours_of_a_pending_line(self):
        line = self.lines_in_every_state()["submitted"]
        line.with_user(self.lea).write(
            {"billable_hours": 1.5, "billable_hours_reason": "Learning time"}
        )
        self.assertEqual(line.billable_hours, 1.5)
        self.assertEqual(line.sudo().bill_amount, 150.0)

    def test_new_field_is_protected_until_declared(self):
        """A field of the addon not in the policy is refused to every user,
        a billing manager too; declared (as an integrator's override of
        _get_write_policy() would), it may be written."""
        Line = self.env["account.analytic.line"]
        line = self.lines_in_every_state()["draft"]
        self.assertIn("bill_rate_frozen", Line._get_addon_fields() - set(WRITE_POLICY))
        with self.assertRaisesRegex(AccessError, "bill_rate_frozen"):
            line.with_user(self.manager).write({"bill_rate_frozen": True})
        declared = {
            **WRITE_POLICY,
            "bill_rate_frozen": WriteRule(APPROVERS, OPEN_STATES),
        }
        with patch.object(type(Line), "_get_write_policy", lambda self: declared):
            line.with_user(self.manager).write({"bill_rate_frozen": True})
        self.assertTrue(line.bill_rate_frozen)

    def test_context_defaults_are_values_given(self):
        """default_<field> keys of the context fill a new line as values do:
        checked as such (an XML-RPC create passes a context too)."""
        Line = self.env["account.analytic.line"].with_user(self.owner)
        values = {
            "name": "Sneaky",
            "project_id": self.project.id,
            "employee_id": self.ann.id,
            "date": date(2026, 3, 10),
            "unit_amount": 2.0,
        }
        for context in (
            {"default_billing_state": "approved"},
            {"default_billable_hours_adjustment": 12.0},
            {"default_bill_rate_frozen": True},
            {"default_submitted_by_id": self.lea.id},
        ):
            with self.assertRaises(AccessError):
                Line.with_context(**context).create(values)
        self.assertFalse(
            self.env["account.analytic.line"].search([("name", "=", "Sneaky")])
        )

    def test_employee_duplicates_own_line(self):
        line = self.lines_in_every_state()["draft"]
        copy = line.with_user(self.owner).copy({"date": date(2026, 3, 20)})
        self.assertEqual(
            (copy.billing_state, copy.billing_role_id, copy.unit_amount),
            ("draft", self.senior, 2.0),
        )

    def test_the_readme_prints_the_policy_of_every_field(self):
        """The README's table (Access rights) names every field of the addon:
        a new one is documented as protected, or declared."""
        path = get_module_path("hr_timesheet_billing")
        with open(f"{path}/README.md", encoding="utf-8") as readme:
            text = readme.read()
        section = text[text.index("### Write policy") : text.index("## Daily use")]
        missing = [
            name
            for name in sorted(self.env["account.analytic.line"]._get_addon_fields())
            if f"`{name}`" not in section
        ]
        self.assertEqual(missing, [])
