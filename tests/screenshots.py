"""The README's screenshots, taken in headless Chromium on the demo database
by ``./dev screenshots`` (not a test: pytest and Odoo collect test_*.py only).

Each screen is opened as the demo user whose screen it is; the PNG files go to
the checkout's static/description/screenshots, which the README shows.
"""

import base64
from pathlib import Path

from odoo.tests import HttpCase
from odoo.tests.common import ChromeBrowser

OUTPUT = Path(__file__).resolve().parents[1] / "static/description/screenshots"
ACTION = "/odoo/action-hr_timesheet_billing."


class TakeScreenshots(HttpCase):
    browser_size = "1600x900"

    def shoot(self, name, login, url, ready, before=""):
        """Open ``url`` as ``login`` (demo password = login), wait for the CSS
        selector ``ready`` and no request in flight, run ``before`` (JS), and
        save the window as ``name``.png."""
        browser = ChromeBrowser(self)
        try:
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            # the first request of a page compiles its assets: not in the
            # browser's time
            self.url_open(url, timeout=120)
            browser.navigate_to(f"{self.base_url()}{url}", wait_stop=True)
            selector = ready.replace("'", "\\'")
            self.assertTrue(
                browser._wait_ready(
                    f"document.querySelector('{selector}') "
                    "&& !document.querySelector('.o_loading_indicator')"
                ),
                f"{name}: {ready} never appeared on {url}",
            )
            if before:
                browser._websocket_request(
                    "Runtime.evaluate",
                    params={"expression": before, "awaitPromise": True},
                )
            # let fonts and transitions settle
            browser._websocket_request(
                "Runtime.evaluate",
                params={
                    "expression": "new Promise(done => setTimeout(done, 800))",
                    "awaitPromise": True,
                },
            )
            shot = browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"}
            )
            OUTPUT.mkdir(parents=True, exist_ok=True)
            (OUTPUT / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.stop()
            self._wait_remaining_requests()

    def test_screens(self):
        ref = self.env.ref
        marc = ref("hr.employee_qdp")
        rejected = self.env["account.analytic.line"].search(
            [("employee_id", "=", marc.id), ("rejection_reason", "!=", False)],
            limit=1,
        )
        bergmann_invoice = self.env["account.move"].search(
            [
                ("partner_id", "=", ref("hr_timesheet_billing.partner_bergmann").id),
                ("state", "=", "posted"),
                ("move_type", "=", "out_invoice"),
            ],
            limit=1,
        )
        self.shoot(
            "config-1-billing-settings",
            "admin",
            f"{ACTION}res_config_settings_action",
            ".o_form_view [name=timesheet_finance_approval]",
        )
        self.shoot(
            "config-2-rate-cards",
            "admin",
            f"{ACTION}timesheet_billing_rate_action",
            ".o_list_view .o_data_row",
        )
        self.shoot(
            "1-employee-my-timesheets",
            "demo",
            "/odoo/action-hr_timesheet.act_hr_timesheet_line",
            ".o_list_view .o_data_row",
        )
        self.shoot(
            "2-employee-submit-week",
            "demo",
            f"{ACTION}timesheet_billing_submit_week_action",
            ".modal .o_field_widget[name=line_ids] .o_data_row",
        )
        self.shoot(
            "3-employee-rejected-week",
            "demo",
            f"{ACTION}timesheet_billing_week_action/{rejected.week_id.id}",
            ".o_form_view .o_field_widget[name=line_ids] .o_data_row",
        )
        self.shoot(
            "4-lead-to-approve",
            "lead",
            f"{ACTION}account_analytic_line_to_approve_action",
            ".o_list_view .o_group_header",
            # open the employee, then their last week
            before="""(async () => {
                document.querySelector('.o_group_header').click();
                await new Promise(done => setTimeout(done, 1000));
                [...document.querySelectorAll('.o_group_header')].at(-1).click();
            })()""",
        )
        self.shoot(
            "5-accountant-invoice-wizard",
            "accountant",
            f"{ACTION}timesheet_billing_invoice_action",
            ".modal .o_field_widget[name=preview] table",
        )
        self.shoot(
            "6-accountant-unpaid-invoice",
            "accountant",
            f"/odoo/action-account.action_move_out_invoice_type/{bergmann_invoice.id}",
            ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row",
        )
        self.shoot(
            "7-invoice-timesheet-annex",
            "accountant",
            f"/report/html/account.report_invoice/{bergmann_invoice.id}",
            "#timesheet_annex",
            before="document.getElementById('timesheet_annex').scrollIntoView()",
        )
        self.shoot(
            "8-manager-profitability",
            "admin",
            f"{ACTION}timesheet_billing_analysis_action_profitability",
            ".o_pivot table",
        )
        self.shoot(
            "9-manager-contracts",
            "admin",
            f"{ACTION}timesheet_billing_contract_action_estimate",
            ".o_list_view .o_data_row",
        )
