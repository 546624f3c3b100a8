from contextlib import closing
from datetime import date

from odoo import sql_db
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class CommittedConnections:
    """For tests of concurrent requests: connections of their own to the
    test's database, whose commits the other connections see."""

    def _connection(self):
        return closing(sql_db.db_connect(self.env.cr.dbname).cursor())


class TimesheetBillingCommon(BaseCommon):
    """One user per role; later features add theirs here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settings_admin = new_test_user(
            cls.env,
            login="htb_settings_admin",
            groups="base.group_user,base.group_system",
        )
        cls.billing_manager = new_test_user(
            cls.env,
            login="htb_billing_manager",
            groups="base.group_user,hr_timesheet_billing.group_timesheet_billing_manager",
        )
        cls.approver = new_test_user(
            cls.env,
            login="htb_approver",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_approver",
        )
        cls.timesheet_user = new_test_user(
            cls.env,
            login="htb_timesheet_user",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )


class TimesheetBillingSetupCommon(TimesheetBillingCommon):
    """Roles, employees, customers and projects; no rate card (each test says
    which it needs)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        Role = cls.env["timesheet.billing.role"]
        cls.junior, cls.senior, cls.consultant = Role.create(
            [
                {"name": "Junior", "code": "JUN"},
                {"name": "Senior", "code": "SEN"},
                {"name": "Consultant", "code": "CON"},
            ]
        )
        cls.ann = cls.env["hr.employee"].create(
            {
                "name": "Ann Example",
                "user_id": cls.timesheet_user.id,
                "billing_role_id": cls.senior.id,
                "hourly_cost": 40.0,
            }
        )
        cls.bob = cls.env["hr.employee"].create(
            {"name": "Bob Example", "billing_role_id": cls.junior.id}
        )
        cls.acme, cls.globex = cls.env["res.partner"].create(
            [
                {"name": "Acme Corp", "is_company": True},
                {"name": "Globex Ltd", "is_company": True},
            ]
        )
        Project = cls.env["project.project"]
        cls.project_acme = Project.create(
            {"name": "Acme ERP", "partner_id": cls.acme.id, "billing_code": "ACME-ERP"}
        )
        cls.project_acme_support = Project.create(
            {"name": "Acme Support", "partner_id": cls.acme.id}
        )
        cls.project_globex = Project.create(
            {"name": "Globex Audit", "partner_id": cls.globex.id}
        )
        cls.project_fixed = Project.create(
            {
                "name": "Acme Website",
                "partner_id": cls.acme.id,
                "timesheet_billing_type": "fixed_price",
            }
        )
        cls.project_internal = Project.create({"name": "Internal"})
        # The approver leads every project: approvers see their projects' time.
        (
            cls.project_acme
            | cls.project_acme_support
            | cls.project_globex
            | cls.project_fixed
            | cls.project_internal
        ).user_id = cls.approver
        cls.day = date(2026, 3, 4)

    @classmethod
    def rate(cls, hourly_rate, **scope):
        return (
            cls.env["timesheet.billing.rate"]
            .with_user(cls.billing_manager)
            .create({"hourly_rate": hourly_rate, **scope})
        )

    @classmethod
    def log(cls, hours, project=None, employee=None, day=None, **values):
        """A timesheet line, logged by an approver for the employee."""
        return (
            cls.env["account.analytic.line"]
            .with_user(cls.approver)
            .create(
                {
                    "name": "Work",
                    "project_id": (project or cls.project_acme).id,
                    "employee_id": (employee or cls.ann).id,
                    "date": day or cls.day,
                    "unit_amount": hours,
                    **values,
                }
            )
        )

    @classmethod
    def log_own(cls, hours, day, project=None):
        """A timesheet line Ann logs herself (as her user)."""
        return (
            cls.env["account.analytic.line"]
            .with_user(cls.timesheet_user)
            .create(
                {
                    "name": "Analysis",
                    "project_id": (project or cls.project_acme).id,
                    "date": day,
                    "unit_amount": hours,
                }
            )
        )


# The four people of a week's flow, by the group their job needs.
FLOW_GROUPS = {
    "employee": "hr_timesheet.group_hr_timesheet_user",
    "lead": "hr_timesheet.group_hr_timesheet_approver",
    "finance": "hr_timesheet_billing.group_timesheet_billing_finance",
    "accountant": "account.group_account_invoice",
}


def set_up_flow(env, prefix, hourly_rate, project_name, customer_name):
    """The cast of a week from logging to invoice, for the tests that play it
    over HTTP: one user per role (login ``<prefix>_<role>``, password = login),
    the employee billed as a consultant at ``hourly_rate``, a project of the
    customer led by the lead; Finance approves after the lead.
    ``(users by role, employee, project)``."""
    env.company.timesheet_finance_approval = True
    users = {
        role: new_test_user(
            env,
            login=f"{prefix}_{role}",
            password=f"{prefix}_{role}",
            groups=f"base.group_user,{group}",
        )
        for role, group in FLOW_GROUPS.items()
    }
    consultant = env["timesheet.billing.role"].create(
        {"name": "Consultant", "code": "CON"}
    )
    env["timesheet.billing.rate"].create(
        {"role_id": consultant.id, "hourly_rate": hourly_rate}
    )
    employee = env["hr.employee"].create(
        {
            "name": f"{prefix.title()} Employee",
            "user_id": users["employee"].id,
            "billing_role_id": consultant.id,
        }
    )
    customer = env["res.partner"].create({"name": customer_name, "is_company": True})
    project = env["project.project"].create(
        {"name": project_name, "partner_id": customer.id, "user_id": users["lead"].id}
    )
    return users, employee, project
