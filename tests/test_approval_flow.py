from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TimesheetBillingSetupCommon


@tagged("post_install", "-at_install")
class TestApprovalFlow(TimesheetBillingSetupCommon):
    """Ann (employee) logs time on Acme ERP (led by Lea) and Globex Audit (led
    by Leo); Fiona is in Finance. Week of Monday 2026-03-02."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rate(100.0, role_id=cls.senior.id)
        cls.lea = new_test_user(
            cls.env,
            login="htb_lea",
            name="Lea Lead",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.leo = new_test_user(
            cls.env,
            login="htb_leo",
            name="Leo Lead",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.fiona = new_test_user(
            cls.env,
            login="htb_fiona",
            name="Fiona Finance",
            groups="base.group_user,hr_timesheet_billing.group_timesheet_billing_finance",
        )
        cls.project_acme.user_id = cls.lea
        cls.project_globex.user_id = cls.leo
        cls.Line = cls.env["account.analytic.line"]

    def setUp(self):
        super().setUp()
        frozen = freeze_time("2026-03-09 09:00:00")
        frozen.start()
        self.addCleanup(frozen.stop)

    def ann_logs(self, hours, project=None, day=date(2026, 3, 4), **values):
        return self.Line.with_user(self.timesheet_user).create(
            {
                "name": "Work",
                "project_id": (project or self.project_acme).id,
                "date": day,
                "unit_amount": hours,
                **values,
            }
        )

    def test_submit_and_approve_in_one_stage(self):
        lines = self.ann_logs(3) | self.ann_logs(2, day=date(2026, 3, 5))
        lines.with_user(self.timesheet_user).action_submit()
        self.assertEqual(set(lines.mapped("billing_state")), {"submitted"})
        week = lines.week_id
        self.assertEqual(len(week), 1)
        self.assertEqual(week.date_start, date(2026, 3, 2))
        self.assertEqual(week.activity_ids.user_id, self.lea)
        lines.with_user(self.lea).action_approve()
        self.assertEqual(set(lines.mapped("billing_state")), {"approved"})
        self.assertTrue(all(lines.mapped("bill_rate_frozen")))
        self.assertFalse(week.activity_ids)
        logs = week.approval_log_ids.sorted("id")
        self.assertEqual(
            [(log.from_state, log.to_state, log.user_id) for log in logs],
            [
                ("draft", "submitted", self.timesheet_user),
                ("submitted", "approved", self.lea),
            ],
        )
        self.assertEqual(logs[1].hours, 5.0)
        self.assertEqual(logs[1].line_ids, lines)
        self.assertEqual(lines[0].approval_log_ids, logs)
        Line = self.env["account.analytic.line"]
        self.assertEqual(Line.search([("approval_log_ids", "in", logs[1].ids)]), lines)
        self.assertEqual(
            Line.search([("approval_log_ids.user_id", "=", self.lea.id)]), lines
        )
        # The log is the history; the week's chatter stays for the people.
        self.assertFalse(
            week.message_ids.filtered(
                lambda message: message.message_type != "notification"
            )
        )
        # The rate is frozen: a new card does not reprice approved time.
        self.rate(150.0, employee_id=self.ann.id)
        self.assertEqual(lines.sudo().mapped("bill_amount"), [300.0, 200.0])

    def test_wrong_users_and_states_are_refused(self):
        line = self.ann_logs(3)
        with self.assertRaises(UserError):
            line.with_user(self.lea).action_approve()  # still draft
        with self.assertRaises(AccessError):
            line.with_user(self.env.ref("base.user_admin")).sudo(False).browse(
                line.id
            ).with_user(
                new_test_user(
                    self.env,
                    login="htb_other",
                    groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
                )
            ).action_submit()
        line.with_user(self.timesheet_user).action_submit()
        with self.assertRaises(UserError):
            line.with_user(self.timesheet_user).action_submit()  # twice
        with self.assertRaises(AccessError):
            line.with_user(self.leo).action_approve()  # not his project
        with self.assertRaises(AccessError) as refused:
            line.with_user(self.fiona).action_approve()  # first stage is the lead's
        self.assertIn(
            "may not approve these timesheets at their stage: "
            "Ann Example 2026-03-04 Acme ERP (3 h)",
            str(refused.exception),
        )
        with self.assertRaises(UserError):
            line.with_user(self.lea).action_reject("")
        with self.assertRaises(AccessError):
            line.with_user(self.leo).action_reject("Not mine")
        self.assertEqual(line.billing_state, "submitted")

    def test_nobody_approves_their_own_time(self):
        lea_employee = self.env["hr.employee"].create(
            {
                "name": "Lea Lead",
                "user_id": self.lea.id,
                "billing_role_id": self.senior.id,
            }
        )
        line = self.Line.with_user(self.lea).create(
            {
                "name": "Own",
                "project_id": self.project_acme.id,
                "employee_id": lea_employee.id,
                "date": date(2026, 3, 4),
                "unit_amount": 2,
            }
        )
        line.with_user(self.lea).action_submit()
        with self.assertRaises(AccessError) as refused:
            line.with_user(self.lea).action_approve()
        self.assertIn("Nobody approves their own time", str(refused.exception))
        with self.assertRaises(AccessError):
            line.with_user(self.billing_manager).sudo(False).with_user(
                self.lea
            ).action_approve()
        line.with_user(self.billing_manager).action_approve()
        self.assertEqual(line.billing_state, "approved")

    def test_a_week_approved_in_parts(self):
        acme = self.ann_logs(4)
        globex = self.ann_logs(3, project=self.project_globex)
        week = acme | globex
        week.with_user(self.timesheet_user).action_submit()
        self.assertEqual(acme.week_id, globex.week_id)
        self.assertEqual(
            set(acme.week_id.activity_ids.mapped("user_id")), {self.lea, self.leo}
        )
        with self.assertRaises(AccessError):
            week.with_user(self.lea).action_approve()
        self.assertEqual(set(week.mapped("billing_state")), {"submitted"})
        acme.with_user(self.lea).action_approve()
        self.assertEqual(acme.billing_state, "approved")
        self.assertEqual(globex.billing_state, "submitted")
        globex.with_user(self.leo).action_approve()
        self.assertEqual(set(week.mapped("billing_state")), {"approved"})
        self.assertEqual(acme.week_id.approved_hours, 7.0)

    def test_designated_approver(self):
        self.ann.billing_approver_id = self.leo
        line = self.ann_logs(2)
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.leo).action_approve()
        self.assertEqual(line.billing_state, "approved")

    def test_two_stages_with_finance_adjustment(self):
        self.company.timesheet_finance_approval = True
        line = self.ann_logs(4)
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.lea).action_approve()
        self.assertEqual(line.billing_state, "lead_approved")
        self.assertFalse(line.bill_rate_frozen)
        with self.assertRaises(AccessError):
            line.with_user(self.lea).action_approve()  # finance's stage now
        # Finance writes down half an hour; the hours worked stay.
        line.with_user(self.fiona).write(
            {"billable_hours": 3.5, "billable_hours_reason": "Onboarding time"}
        )
        line.with_user(self.fiona).action_approve()
        self.assertEqual(line.billing_state, "approved")
        self.assertEqual(line.unit_amount, 4.0)
        self.assertEqual(line.sudo().bill_amount, 350.0)  # 3.5 h x 100.00
        logs = line.approval_log_ids.sorted("id")
        # Finance's write-down is in the log, with what it was
        self.assertEqual(
            [(log.event, log.to_state) for log in logs],
            [
                ("approval", "submitted"),
                ("approval", "lead_approved"),
                ("edited", "lead_approved"),
                ("approval", "approved"),
            ],
        )
        self.assertEqual(logs[2].reason, "Billable Hours: 4.0 → 3.5")
        self.assertEqual(logs[-1].user_id, self.fiona)

    def test_mine_to_approve_is_the_stage_each_user_acts_on(self):
        """The To Approve list's filter: the lead sees what waits for them (not
        what waits for Finance, nor another lead's project), Finance what the
        leads approved; nobody their own time."""
        self.company.timesheet_finance_approval = True
        acme = self.ann_logs(4)
        globex = self.ann_logs(2, project=self.project_globex)
        (acme | globex).with_user(self.timesheet_user).action_submit()
        Line = self.Line.with_context(active_test=False)
        mine = [("can_approve", "=", True), ("id", "in", (acme | globex).ids)]

        def waiting_for(user):
            return Line.with_user(user).search(mine)

        self.assertEqual(waiting_for(self.lea), acme)
        self.assertEqual(waiting_for(self.leo), globex)
        self.assertFalse(waiting_for(self.fiona))
        self.assertEqual(acme.with_user(self.lea).can_approve, True)
        self.assertEqual(globex.with_user(self.lea).can_approve, False)
        acme.with_user(self.lea).action_approve()
        self.assertFalse(waiting_for(self.lea))
        self.assertEqual(waiting_for(self.fiona), acme)
        self.assertEqual(
            Line.with_user(self.fiona).search(
                [("can_approve", "=", False), ("id", "in", (acme | globex).ids)]
            ),
            globex,
        )
        # Fiona's own time never waits for her.
        fiona_employee = self.env["hr.employee"].create(
            {"name": "Fiona Finance", "user_id": self.fiona.id}
        )
        own = self.Line.create(
            {
                "name": "Month-end close",
                "project_id": self.project_acme.id,
                "employee_id": fiona_employee.id,
                "date": date(2026, 3, 4),
                "unit_amount": 1.0,
            }
        )
        own.sudo().billing_state = "lead_approved"
        self.assertEqual(waiting_for(self.fiona), acme)
        self.assertFalse(own.with_user(self.fiona).can_approve)

    def test_contract_decides_the_finance_stage(self):
        self.company.timesheet_finance_approval = True
        self.env["timesheet.billing.contract"].create(
            {
                "name": "Acme",
                "partner_id": self.acme.id,
                "project_ids": [(6, 0, self.project_acme.ids)],
                "date_start": "2026-01-01",
                "finance_approval": "not_required",
            }
        )
        line = self.ann_logs(2)
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.lea).action_approve()
        self.assertEqual(line.billing_state, "approved")

    def test_rejection_reason_reaches_the_employee(self):
        line = self.ann_logs(3)
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.lea).action_reject("Split the workshop from the travel")
        self.assertEqual(line.billing_state, "draft")
        [values] = line.with_user(self.timesheet_user).read(["rejection_reason"])
        self.assertEqual(
            values["rejection_reason"], "Split the workshop from the travel"
        )
        activity = line.week_id.activity_ids.filtered(
            lambda activity: activity.user_id == self.timesheet_user
        )
        self.assertIn("Split the workshop", activity.note)
        log = line.approval_log_ids.sorted("id")[-1]
        self.assertEqual(
            (log.from_state, log.to_state, log.reason),
            ("submitted", "draft", "Split the workshop from the travel"),
        )
        line.with_user(self.timesheet_user).unit_amount = 2
        line.with_user(self.timesheet_user).action_submit()
        self.assertFalse(line.rejection_reason)

    def test_reject_wizard(self):
        lines = self.ann_logs(3) | self.ann_logs(1)
        lines.with_user(self.timesheet_user).action_submit()
        wizard = Form(
            self.env["timesheet.billing.reject"]
            .with_user(self.lea)
            .with_context(active_model="account.analytic.line", active_ids=lines.ids)
        )
        wizard.reason = "Wrong task"
        wizard.save().action_reject()
        self.assertEqual(set(lines.mapped("billing_state")), {"draft"})

    def test_reset_to_draft(self):
        line = self.ann_logs(3)
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.timesheet_user).action_reset_to_draft()
        self.assertEqual(line.billing_state, "draft")
        line.with_user(self.timesheet_user).action_submit()
        line.with_user(self.lea).action_approve()
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).action_reset_to_draft()
        line.with_user(self.lea).action_reset_to_draft()
        self.assertEqual(line.billing_state, "draft")
        self.assertFalse(line.bill_rate_frozen)

    def test_locking(self):
        line = self.ann_logs(3)
        line.with_user(self.timesheet_user).action_submit()
        with self.assertRaises(UserError):
            line.with_user(self.timesheet_user).unit_amount = 4
        with self.assertRaises(UserError):
            line.with_user(self.timesheet_user).unlink()
        line.with_user(self.lea).action_approve()
        for values in (
            {"unit_amount": 5},
            {"date": date(2026, 3, 3)},
            {"project_id": self.project_acme_support.id},
            {"employee_id": self.bob.id},
            {"billable_hours": 1.0},
        ):
            with self.assertRaises(UserError):
                line.with_user(self.billing_manager).write(values)
        with self.assertRaises(UserError):
            line.with_user(self.billing_manager).unlink()
        line.with_user(self.timesheet_user).name = "Workshop with Acme's CFO"
        self.assertEqual(line.name, "Workshop with Acme's CFO")

    def test_state_changes_only_through_the_actions(self):
        line = self.ann_logs(3)
        for user in (self.timesheet_user, self.lea, self.billing_manager):
            with self.assertRaises(AccessError):
                line.with_user(user).write({"billing_state": "approved"})
        with self.assertRaises(AccessError):
            self.Line.with_user(self.lea).create(
                {
                    "name": "x",
                    "project_id": self.project_acme.id,
                    "employee_id": self.ann.id,
                    "unit_amount": 1,
                    "date": date(2026, 3, 4),
                    "billing_state": "approved",
                }
            )

    def test_warnings_block_submission_until_acknowledged(self):
        self.env["timesheet.billing.rule"].create(
            {"name": "Task", "rule_type": "task_required", "severity": "warn"}
        )
        line = self.ann_logs(3)
        with self.assertRaises(ValidationError) as refused:
            line.with_user(self.timesheet_user).action_submit()
        self.assertIn("no task given", str(refused.exception))
        line.with_user(self.lea).action_acknowledge_warnings()
        line.with_user(self.timesheet_user).action_submit()
        self.assertEqual(line.billing_state, "submitted")

    def test_submit_my_week(self):
        this_week = self.ann_logs(3) | self.ann_logs(2, day=date(2026, 3, 8))
        next_week = self.ann_logs(1, day=date(2026, 3, 9))
        wizard = Form(
            self.env["timesheet.billing.submit.week"].with_user(self.timesheet_user)
        )
        wizard.day = date(2026, 3, 4)
        self.assertEqual(wizard.line_count, 2)
        self.assertEqual(wizard.hours, 5.0)
        wizard.save().action_submit()
        self.assertEqual(set(this_week.mapped("billing_state")), {"submitted"})
        self.assertEqual(next_week.billing_state, "draft")
        with self.assertRaises(UserError):
            self.Line.with_user(self.timesheet_user).action_submit_my_week("2026-03-04")
        self.assertEqual(
            self.Line.with_user(self.timesheet_user).action_submit_my_week(
                "2026-03-09"
            ),
            1,
        )

    def test_approvers_see_their_projects_and_team(self):
        mine = self.ann_logs(2)  # Acme ERP, led by Lea
        theirs = self.ann_logs(1, project=self.project_globex)  # led by Leo
        Line = self.env["account.analytic.line"]
        visible = Line.with_user(self.lea).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(visible, mine)
        self.ann.billing_approver_id = self.lea  # her team now
        visible = Line.with_user(self.lea).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(visible, mine | theirs)
        self.assertEqual(
            Line.with_user(self.fiona).search([("id", "in", (mine | theirs).ids)]),
            mine | theirs,
        )
        self.assertEqual(
            Line.with_user(self.timesheet_user).search(
                [("id", "in", (mine | theirs).ids)]
            ),
            mine | theirs,
        )
